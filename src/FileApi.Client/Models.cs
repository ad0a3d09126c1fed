using System.Text.Json;
using System.Text.Json.Serialization;

namespace FileApi.Client;

/// <summary>Who created, changed or deleted something, as the token named them.</summary>
public sealed record UserIdentity(string Id, string? Name, string? Email);

/// <summary>Where to send the bytes of a version: a pre-signed blob link that writes exactly that version's blob.</summary>
public sealed record UploadLink(Guid FileId, string VersionId, Uri Upload, DateTimeOffset UploadExpiresAt)
{
    /// <summary>What to keep to resume this upload later.</summary>
    public UploadState State => new(FileId, VersionId);
}

/// <summary>
/// A file at one version (the latest ready one unless a version was asked for), as a read answers it or as a listing
/// shows it: a listing has <see cref="Links"/> instead of <see cref="Download"/> and <see cref="Self"/>.
/// <see cref="ContentType"/> is what the download serves (null from servers that predate it); <see cref="Metadata"/>
/// the version's declared keys and values.
/// </summary>
public sealed record FileDetails(
    string Name,
    string Path,
    Guid FileId,
    string VersionId,
    long Size,
    string? Etag,
    DateTimeOffset CreatedAt,
    UserIdentity? CreatedBy,
    DateTimeOffset ModifiedAt,
    UserIdentity? ModifiedBy,
    Uri? Download,
    Uri? Self,
    IReadOnlyList<FileVersionItem>? Versions = null,
    DateTimeOffset? DeletedAt = null,
    UserIdentity? DeletedBy = null,
    FileLinks? Links = null,
    string? ContentType = null,
    IReadOnlyDictionary<string, string>? Metadata = null)
{
    /// <summary>Folder and name: <c>/docs/report.pdf</c>.</summary>
    [JsonIgnore]
    public string FullPath => Path + Name;
}

/// <summary>One ready version in a file's history.</summary>
public sealed record FileVersionItem(string VersionId, Guid FileId, string Name, string Path, long Size, DateTimeOffset CreatedAt, UserIdentity? CreatedBy, Uri? Link,
    string? ContentType = null, IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary>Links of a file in a listing.</summary>
public sealed record FileLinks(string? Self);

/// <summary>
/// One page of a listing. <see cref="Total"/> counts every match, not only this page. In the folder view
/// (<see cref="ListFilesOptions.Delimiter"/>) <see cref="Folders"/> holds the subfolders, listed before the files, and
/// <see cref="Count"/>, <see cref="Offset"/> and <see cref="Total"/> count folders and files together.
/// </summary>
public sealed record FileList(int Count, IReadOnlyList<FileDetails> Files, int Limit, long Offset, long Total, FileListLinks? Links,
    IReadOnlyList<FolderEntry>? Folders = null);

/// <summary>A subfolder in the folder view: <c>Path + Name + "/"</c> is the folder; <see cref="FileCount"/> counts the ready files anywhere under it.</summary>
public sealed record FolderEntry(string Name, string Path, long FileCount, FileLinks? Links = null)
{
    /// <summary>The folder with leading and trailing slash: <c>/docs/2026/</c>.</summary>
    [JsonIgnore]
    public string FullPath => Path + Name + "/";
}

/// <summary>Links of a listing page; <see cref="Next"/> is null on the last page.</summary>
public sealed record FileListLinks(string? Self, string? Next, string? Prev);

public sealed record Organization(Guid Id, string Name, DateTimeOffset CreatedAt);

/// <summary>A workspace and the caller's role in it (<c>viewer</c>, <c>editor</c> or <c>owner</c>).</summary>
public sealed record Workspace(Guid Id, Guid OrganizationId, string Name, DateTimeOffset CreatedAt, string Role)
{
    /// <summary>What the workspace holds; answered by <see cref="WorkspaceClient.GetWorkspaceAsync"/>, null in listings.</summary>
    public WorkspaceUsage? Usage { get; init; }

    /// <summary>The most bytes <see cref="WorkspaceUsage.Bytes"/> may reach; null when there is no limit (or in listings).</summary>
    public long? QuotaBytes { get; init; }
}

/// <summary>Live files with a ready version, and the bytes of their ready versions.</summary>
public sealed record WorkspaceUsage(long Files, long Bytes);

/// <summary>A workspace's quota (null: no limit) and its usage when the quota was set.</summary>
public sealed record WorkspaceQuota(Guid WorkspaceId, long? QuotaBytes, WorkspaceUsage Usage);

/// <summary>A user's role in a workspace.</summary>
public sealed record WorkspaceMember(string UserId, string TenantId, string Role, string? Name, string? Email, DateTimeOffset GrantedAt, string? GrantedBy);

/// <summary>The outcome of a restore: in place, or under a new name because the path was taken meanwhile.</summary>
public sealed record RestoreResult(bool Moved, FileDetails? File);

/// <summary>What identifies an unfinished upload: keep it to resume after a crash.</summary>
public sealed record UploadState(Guid FileId, string VersionId);

/// <summary>Bytes of an upload written to the network so far (blocks found already uploaded count as sent).</summary>
public readonly record struct UploadProgress(long BytesTransferred, long TotalBytes);

/// <summary>Bytes of a download written to the destination so far (a resumed partial file counts as written).</summary>
public readonly record struct DownloadProgress(long BytesTransferred, long TotalBytes);

/// <summary>Roles a workspace member can have, each including the ones before it.</summary>
public static class WorkspaceRoles
{
    public const string Viewer = "viewer";
    public const string Editor = "editor";
    public const string Owner = "owner";
}

record WorkspaceList(IReadOnlyList<Workspace> Workspaces);

record MemberList(IReadOnlyList<WorkspaceMember> Members);

record NameRequest(string Name);

// Always written, null included: the API reads a missing quota_bytes as a mistake, null as "no limit".
record SetQuotaRequest([property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? QuotaBytes);

record GrantRoleRequest(string Role, string? TenantId, string? Name, string? Email);

record RegisterRequest(long? Size, string? ContentMd5, string? ContentSha256, string? ContentType, IReadOnlyDictionary<string, string>? Metadata);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(UploadLink))]
[JsonSerializable(typeof(FileDetails))]
[JsonSerializable(typeof(FileList))]
[JsonSerializable(typeof(Organization))]
[JsonSerializable(typeof(Workspace))]
[JsonSerializable(typeof(WorkspaceMember))]
[JsonSerializable(typeof(WorkspaceList))]
[JsonSerializable(typeof(MemberList))]
[JsonSerializable(typeof(NameRequest))]
[JsonSerializable(typeof(GrantRoleRequest))]
[JsonSerializable(typeof(SetQuotaRequest))]
[JsonSerializable(typeof(WorkspaceQuota))]
[JsonSerializable(typeof(RegisterRequest))]
[JsonSerializable(typeof(UploadState))]
[JsonSerializable(typeof(string))]
partial class FileApiJsonContext : JsonSerializerContext;

/// <summary>
/// An <see cref="IProgress{T}"/> that runs its callback at once, on the reporting thread. Unlike
/// <see cref="Progress{T}"/>, which posts each report to the thread pool, it never reorders reports.
/// </summary>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
