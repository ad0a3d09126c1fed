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

/// <summary>Workspace roles, each including the ones below it.</summary>
public enum WorkspaceRole
{
    Viewer = 1,
    Editor = 2,
    Owner = 3,
}

/// <summary>A user's role in a workspace. Users are Entra identities: object id within a tenant.</summary>
public sealed class WorkspaceMember
{
    public Guid WorkspaceId { get; set; }
    public required string TenantId { get; set; }
    public required string UserId { get; set; }
    public WorkspaceRole Role { get; set; }
    public string? Name { get; set; }
    public string? Email { get; set; }
    public DateTimeOffset GrantedAt { get; set; }
    public required string GrantedById { get; set; }
}

/// <summary>Someone who may create workspaces in an organisation (its creator, to begin with).</summary>
public sealed class OrganizationAdmin
{
    public Guid OrganizationId { get; set; }
    public required string TenantId { get; set; }
    public required string UserId { get; set; }
    public DateTimeOffset GrantedAt { get; set; }
}
