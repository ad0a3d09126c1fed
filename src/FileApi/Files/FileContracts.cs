using System.ComponentModel;
using System.Text.Json.Serialization;

namespace FileApi.Files;

public sealed record UserResponse(string Id, string? Name, string? Email);

/// <summary>
/// Optional body of a registration: what the uploader promises, and what the version is. A committed blob that breaks
/// the promise never becomes ready. <c>ContentMd5</c> is base64 (as in HTTP's Content-MD5); <c>ContentSha256</c> is hex.
/// <c>ContentType</c> is served on download; <c>Metadata</c> is kept with the version (limits: <see cref="VersionMetadata"/>).
/// Each may be left out: the defaults keep the OpenAPI document from listing them as required.
/// </summary>
public sealed record RegisterRequest(
    long? Size = null,
    string? ContentMd5 = null,
    string? ContentSha256 = null,
    [property: Description("The media type downloads are served with (application/octet-stream when absent), e.g. text/csv.")] string? ContentType = null,
    [property: Description("String keys and values kept with the version: at most 32 entries, keys of 1-64 characters of a-z 0-9 _ - . "
        + "starting with a letter or digit, values of at most 1024 characters, 8192 characters in all.")]
    IReadOnlyDictionary<string, string>? Metadata = null);

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
    [property: Description(FileDescriptions.ContentType)] string ContentType,
    [property: Description(FileDescriptions.Metadata)] IReadOnlyDictionary<string, string> Metadata,
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
    Uri Link,
    [property: Description(FileDescriptions.ContentType)] string ContentType,
    [property: Description(FileDescriptions.Metadata)] IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// A page of a listing. In the folder view (<c>delimiter=/</c>) it also has <c>folders</c>, the folder's immediate
/// subfolders, listed before its files; there <c>count</c>, <c>offset</c> and <c>total</c> count folders and files together.
/// </summary>
public sealed record FileListResponse(
    int Count,
    IReadOnlyList<FileListItem> Files,
    int Limit,
    long Offset,
    long Total,
    ListLinks Links,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<FolderListItem>? Folders = null);

/// <summary>A subfolder in the folder view: <c>path + name + "/"</c> is the folder; <c>links.self</c> lists it.</summary>
public sealed record FolderListItem(
    string Name,
    string Path,
    [property: Description("Live files with a ready version anywhere under the folder.")] long FileCount,
    ItemLinks Links);

static class FileDescriptions
{
    public const string ContentType = "The media type the version was declared with, which its download link serves; application/octet-stream when none was.";
    public const string Metadata = "The string keys and values the version was registered with; empty when none were.";
}

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
    [property: Description(FileDescriptions.ContentType)] string ContentType,
    [property: Description(FileDescriptions.Metadata)] IReadOnlyDictionary<string, string> Metadata,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? DeletedAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UserResponse? DeletedBy = null);

public sealed record ItemLinks(Uri Self);
