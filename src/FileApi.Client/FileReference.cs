namespace FileApi.Client;

/// <summary>
/// A file named by its path in the workspace (<c>docs/report.pdf</c>) or by its id. Strings and Guids convert
/// implicitly, so <c>GetFileAsync("docs/a.txt")</c> and <c>GetFileAsync(fileId)</c> both read naturally.
/// </summary>
public readonly record struct FileReference
{
    FileReference(string? path, Guid? id) => (Path, Id) = (path, id);

    /// <summary>The path, when the file is named by path.</summary>
    public string? Path { get; }

    /// <summary>The id, when the file is named by id.</summary>
    public Guid? Id { get; }

    /// <summary>A file by path. <c>.</c> and <c>..</c> segments are refused here: URL resolution would silently rewrite them into another path.</summary>
    public static FileReference FromPath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.Split('/').Any(segment => segment is "." or ".."))
            throw new ArgumentException($"The path '{path}' has a '.' or '..' segment; file paths have none.", nameof(path));
        return new(path, null);
    }

    public static FileReference FromId(Guid id) => new(null, id);

    public static implicit operator FileReference(string path) => FromPath(path);

    public static implicit operator FileReference(Guid id) => FromId(id);

    /// <summary>The URL segment under <c>.../files/</c>: <c>{id}</c> or <c>path/{escaped path}</c>, with only <c>/</c> left raw.</summary>
    internal string UrlSegment => Id is { } id
        ? id.ToString()
        : Path is { } path
            ? "path/" + string.Join('/', path.Split('/').Select(Uri.EscapeDataString))
            : throw new InvalidOperationException("The file reference is empty; use FileReference.FromPath or FromId.");

    public override string ToString() => Path ?? Id?.ToString() ?? "";
}
