using System.Text.Json.Serialization;

namespace FileApi.Files;

public sealed record UserResponse(string Id, string? Name, string? Email);

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
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<VersionResponse>? Versions);

public sealed record VersionResponse(
    string VersionId,
    Guid FileId,
    string Name,
    string Path,
    long Size,
    DateTimeOffset CreatedAt,
    UserResponse CreatedBy,
    Uri Link);
