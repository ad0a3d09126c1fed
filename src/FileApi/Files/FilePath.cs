using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace FileApi.Files;

public static class FilePathLimits
{
    public const int MaxSegmentLength = 255;
    public const int MaxPathLength = 1024;
    public const int MaxDepth = 64;
}

/// <summary>
/// A file path in normal form: Unicode NFC, '/' separators, no empty, "." or ".." segments, no control
/// characters, bounded lengths. Paths are case-preserving; lookups and uniqueness are case-insensitive
/// (<see cref="Key"/>), so "Report.pdf" and "report.pdf" are the same file, as on Windows and macOS.
/// </summary>
public sealed record FilePath
{
    FilePath(string value)
    {
        Value = value;
        var lastSlash = value.LastIndexOf('/');
        Name = value[(lastSlash + 1)..];
        Folder = lastSlash < 0 ? "/" : "/" + value[..(lastSlash + 1)];
        Key = value.ToLowerInvariant();
    }

    /// <summary>The path without a leading slash: "a/b/c.txt".</summary>
    public string Value { get; }

    /// <summary>The last segment: "c.txt".</summary>
    public string Name { get; }

    /// <summary>The containing folder with leading and trailing slash: "/a/b/".</summary>
    public string Folder { get; }

    /// <summary>The case-folded form used for lookups.</summary>
    public string Key { get; }

    public override string ToString() => Value;

    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Parses a path as it arrives in a URL (already percent-decoded).</summary>
    public static bool TryParse(string? raw, [NotNullWhen(true)] out FilePath? path, [NotNullWhen(false)] out string? error)
    {
        path = null;
        if (string.IsNullOrEmpty(raw))
        {
            error = "The file path is empty.";
            return false;
        }

        // The server keeps an encoded slash encoded; clients that encode the whole path mean a separator.
        var text = raw.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

        // Clients that write "/a/b.txt" send "files/path//a/b.txt": a leading slash is not part of the path.
        text = text.TrimStart('/');
        if (text.Length == 0)
        {
            error = "The file path names the root folder, not a file.";
            return false;
        }

        // Normalisation would quietly turn a lone surrogate into U+FFFD; refuse it instead.
        try
        {
            StrictUtf8.GetByteCount(text);
            text = text.Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            error = "The file path is not valid Unicode.";
            return false;
        }

        if (text.EndsWith('/'))
        {
            error = "The file path ends with '/', which names a folder, not a file.";
            return false;
        }
        if (text.Length > FilePathLimits.MaxPathLength)
        {
            error = $"The file path is longer than {FilePathLimits.MaxPathLength} characters.";
            return false;
        }

        var segments = text.Split('/');
        if (segments.Length > FilePathLimits.MaxDepth)
        {
            error = $"The file path is deeper than {FilePathLimits.MaxDepth} folders.";
            return false;
        }

        foreach (var segment in segments)
        {
            if (!TryValidateSegment(segment, out error))
                return false;
        }

        path = new FilePath(text);
        error = null;
        return true;
    }

    static bool TryValidateSegment(string segment, [NotNullWhen(false)] out string? error)
    {
        error = segment switch
        {
            "" => "The file path has an empty segment ('//').",
            "." or ".." => $"The file path has a '{segment}' segment; relative segments are not allowed.",
            { Length: > FilePathLimits.MaxSegmentLength } => $"A segment of the file path is longer than {FilePathLimits.MaxSegmentLength} characters.",
            _ => null,
        };
        if (error is not null)
            return false;

        foreach (var c in segment)
        {
            if (char.IsControl(c))
            {
                error = $"The file path contains the control character U+{(int)c:X4}.";
                return false;
            }
            if (c == '\\')
            {
                error = "The file path contains '\\'; use '/' to separate folders.";
                return false;
            }
        }
        return true;
    }
}
