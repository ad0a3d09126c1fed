using System.Text.Json.Serialization;

namespace FileApi.Files;

public sealed record UserResponse(string Id, string? Name, string? Email);

/// <summary>
/// Optional body of a registration: what the uploader promises. A committed blob that breaks it never
/// becomes ready. <c>ContentMd5</c> is base64 (as in HTTP's Content-MD5); <c>ContentSha256</c> is hex. Each may be left
/// out: the defaults keep the OpenAPI document from listing them as required.
/// </summary>
public sealed record RegisterRequest(long? Size = null, string? ContentMd5 = null, string? ContentSha256 = null);

/// <summary>Answer to a PUT: where to upload the bytes of the new version.</summary>
public sealed record UploadResponse(Guid FileId, string VersionId, Uri Upload, DateTimeOffset UploadExpiresAt);

public sealed record FileResponse(
    string Name,
    string Path,
    Guid FileId,
    string VersionId,
    long Size,
    string Etag,
    DateTimeOffset CreatedAt,
    UserResponse CreatedBy,
    DateTimeOffset ModifiedAt,
    UserResponse ModifiedBy,
    Uri Download,
    Uri Self,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<VersionResponse>? Versions,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? DeletedAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UserResponse? DeletedBy = null);

public sealed record VersionResponse(
    string VersionId,
    Guid FileId,
    string Name,
    string Path,
    long Size,
    DateTimeOffset CreatedAt,
    UserResponse CreatedBy,
    Uri Link);

public sealed record FileListResponse(int Count, IReadOnlyList<FileListItem> Files, int Limit, long Offset, long Total, ListLinks Links);

public sealed record ListLinks(Uri Self, Uri? Next, Uri? Prev);

public sealed record FileListItem(
    string Name,
    string Path,
    Guid FileId,
    string VersionId,
    long Size,
    string Etag,
    DateTimeOffset CreatedAt,
    UserResponse CreatedBy,
    DateTimeOffset ModifiedAt,
    UserResponse ModifiedBy,
    ItemLinks Links,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? DeletedAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UserResponse? DeletedBy = null);

public sealed record ItemLinks(Uri Self);
