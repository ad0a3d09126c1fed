namespace FileApi.Data;

public sealed class Organization
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class Workspace
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }
    public required string Name { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A file is a stable identity at a path; its content lives in versions.</summary>
public sealed class StoredFile
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }

    /// <summary>Containing folder in normal form, with leading and trailing slash: "/a/b/".</summary>
    public required string Folder { get; set; }
    public required string Name { get; set; }

    /// <summary>Case-folded full path; lookups and uniqueness go through it (case-insensitive, case-preserving).</summary>
    public required string PathKey { get; set; }

    /// <summary>The newest version id handed out, ready or not; new ids are always above it.</summary>
    public long LatestVersionId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedById { get; set; }
    public string? CreatedByName { get; set; }
    public string? CreatedByEmail { get; set; }

    public DateTimeOffset? DeletedAt { get; set; }
    public string? DeletedById { get; set; }
    public string? DeletedByName { get; set; }
    public string? DeletedByEmail { get; set; }
}

public enum VersionStatus
{
    Uploading,
    Ready,
    Failed,
}

public sealed class FileVersion
{
    public Guid FileId { get; set; }
    public long VersionId { get; set; }
    public VersionStatus Status { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedById { get; set; }
    public string? CreatedByName { get; set; }
    public string? CreatedByEmail { get; set; }

    /// <summary>When the upload link handed out for this version stops working.</summary>
    public DateTimeOffset UploadExpiresAt { get; set; }

    public long? Size { get; set; }
    public string? ETag { get; set; }
    public DateTimeOffset? ReadyAt { get; set; }
    public string? FailureReason { get; set; }
}
