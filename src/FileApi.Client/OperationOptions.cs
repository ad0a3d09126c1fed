using System.Globalization;
using System.Text;

namespace FileApi.Client;

/// <summary>What the uploader declares when registering a version; a committed blob that does not match never becomes ready.</summary>
public class RegisterVersionOptions
{
    /// <summary>The size in bytes the upload will have.</summary>
    public long? Size { get; set; }

    /// <summary>SHA-256 of the content, 64 hex characters.</summary>
    public string? ContentSha256 { get; set; }

    /// <summary>MD5 of the content, base64 of 16 bytes.</summary>
    public string? ContentMd5 { get; set; }

    /// <summary>The media type downloads are served with (the server answers application/octet-stream when none is given).</summary>
    public string? ContentType { get; set; }

    /// <summary>
    /// String keys and values kept with the version. Server limits: at most 32 entries; keys of 1 to 64 characters of
    /// a-z, 0-9, '_', '-' and '.', starting with a letter or digit; values of at most 1024 characters without control
    /// characters; 8192 characters of keys and values in all (400 invalid-metadata beyond).
    /// </summary>
    public IDictionary<string, string>? Metadata { get; set; }
}

public class GetFileOptions
{
    /// <summary>A version (a 64-bit integer as text); the latest ready version when null.</summary>
    public string? VersionId { get; set; }

    /// <summary>Also return every ready version, newest first.</summary>
    public bool IncludeVersions { get; set; }

    /// <summary>With <see cref="VersionId"/>: let the server wait up to this long (at most 60 s) for the version to become ready or fail.</summary>
    public TimeSpan? Wait { get; set; }

    /// <summary>Read a deleted file (by id only).</summary>
    public bool Deleted { get; set; }
}

/// <summary>Filters and order of a listing. Unset values are left to the server's defaults.</summary>
public class ListFilesOptions
{
    /// <summary>Files per page, 1 to 5000 (server default 100).</summary>
    public int? Limit { get; set; }

    public int? Offset { get; set; }

    /// <summary>true lists only deleted files; false (the server default) only live ones.</summary>
    public bool? Deleted { get; set; }

    /// <summary>Case-insensitive substring of the file name.</summary>
    public string? FileName { get; set; }

    /// <summary>User id of the creator.</summary>
    public string? Author { get; set; }

    public IList<DateFilter> CreatedAt { get; } = [];
    public IList<DateFilter> ModifiedAt { get; } = [];
    public IList<DateFilter> DeletedAt { get; } = [];

    /// <summary><c>name</c>, <c>path</c>, <c>created_at</c>, <c>modified_at</c>, <c>size</c> or <c>deleted_at</c>, optionally with <c>:asc</c> or <c>:desc</c>.</summary>
    public string? OrderBy { get; set; }

    /// <summary>A folder (<c>/docs/</c>) whose files, at any depth, are listed (with <see cref="Delimiter"/>, only its own files and its subfolders).</summary>
    public string? Folder { get; set; }

    /// <summary>
    /// <c>"/"</c> for the folder view: one level of <see cref="Folder"/>, its subfolders in <see cref="FileList.Folders"/> and then
    /// its own files, in path order. Live files only, without the name, author and date filters.
    /// </summary>
    public string? Delimiter { get; set; }

    /// <summary>An opaque cursor from a previous page's <c>links.next</c>.</summary>
    public string? Cursor { get; set; }

    internal string ToQuery()
    {
        var query = new StringBuilder();
        void Add(string name, string? value)
        {
            if (value is null)
                return;
            query.Append(query.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }

        Add("limit", Limit?.ToString(CultureInfo.InvariantCulture));
        Add("offset", Offset?.ToString(CultureInfo.InvariantCulture));
        Add("deleted", Deleted is { } deleted ? (deleted ? "true" : "false") : null);
        Add("file_name", FileName);
        Add("author", Author);
        foreach (var filter in CreatedAt)
            Add("created_at", filter.ToString());
        foreach (var filter in ModifiedAt)
            Add("modified_at", filter.ToString());
        foreach (var filter in DeletedAt)
            Add("deleted_at", filter.ToString());
        Add("order_by", OrderBy);
        Add("folder", Folder);
        Add("delimiter", Delimiter);
        Add("cursor", Cursor);
        return query.ToString();
    }
}

public enum DateComparison
{
    LessThan,
    LessThanOrEqual,
    GreaterThan,
    GreaterThanOrEqual,
}

/// <summary>A date condition of a listing, written <c>gte:2026-01-01T00:00:00Z</c> on the wire.</summary>
public readonly record struct DateFilter(DateComparison Comparison, DateTimeOffset Value)
{
    static readonly string[] Prefixes = ["lt", "lte", "gt", "gte"];

    public override string ToString() =>
        Prefixes[(int)Comparison] + ":" + Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>Reads <c>gte:2026-01-01</c> (the wire form; a date alone means midnight UTC).</summary>
    public static bool TryParse(string text, out DateFilter filter)
    {
        filter = default;
        var colon = text.IndexOf(':');
        if (colon < 0 || Array.IndexOf(Prefixes, text[..colon].ToLowerInvariant()) is var index && index < 0)
            return false;
        if (!DateTimeOffset.TryParse(text[(colon + 1)..], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
            return false;
        filter = new DateFilter((DateComparison)index, value);
        return true;
    }
}

public class UploadOptions
{
    /// <summary>Bytes written to the network, reported as they go (not a block at a time). Reports come from transfer threads, in order.</summary>
    public IProgress<UploadProgress>? Progress { get; set; }

    /// <summary>Compute the content's SHA-256 (one streaming pass before the upload) and declare it at registration.</summary>
    public bool DeclareSha256 { get; set; }

    /// <summary>The media type downloads of the new version are served with (see <see cref="RegisterVersionOptions.ContentType"/>).</summary>
    public string? ContentType { get; set; }

    /// <summary>Keys and values kept with the new version (see <see cref="RegisterVersionOptions.Metadata"/> for the limits).</summary>
    public IDictionary<string, string>? Metadata { get; set; }

    /// <summary>Continue this unfinished upload: only blocks storage does not hold yet are sent.</summary>
    public UploadState? ResumeFrom { get; set; }

    /// <summary>Called once the version is known and before any byte is sent: persist the state here to resume after a crash.</summary>
    public Func<UploadState, CancellationToken, ValueTask>? Started { get; set; }
}

public class DownloadOptions
{
    /// <summary>A version; the latest ready version when null.</summary>
    public string? VersionId { get; set; }

    public IProgress<DownloadProgress>? Progress { get; set; }

    /// <summary>
    /// Downloading to a path: keep the bytes of an interrupted download (<c>{path}.{version_id}.part</c>) and fetch only the rest.
    /// The partial file becomes the destination when complete.
    /// </summary>
    public bool Resume { get; set; } = true;
}
