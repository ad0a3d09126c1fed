using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace FileApi.Files;

public static class FilePathLimits
{
    public const int MaxSegmentLength = 255;
    public const int MaxPathLength = 1024;
    public const int MaxDepth = 64;
}

/// <summary>
/// A file path in normal form: Unicode NFC, '/' separators, no empty, "." or ".." segments, bounded lengths, and
/// only names that Windows, macOS and Linux can all hold and that show what they are: no control, format
/// (invisible, bidi) or private characters, none of <c>&lt;&gt;:"|?*\</c>, no trailing dot or space, no reserved
/// device name. Paths are case-preserving; lookups and uniqueness go through <see cref="Key"/>, which folds case
/// as NTFS and APFS compare names, so two paths that would collide on a synced Windows or macOS disk are one file.
/// </summary>
public sealed record FilePath
{
    FilePath(string value)
    {
        Value = value;
        var lastSlash = value.LastIndexOf('/');
        Name = value[(lastSlash + 1)..];
        Folder = lastSlash < 0 ? "/" : "/" + value[..(lastSlash + 1)];
        Key = FoldCase(value);
    }

    /// <summary>The path without a leading slash: "a/b/c.txt".</summary>
    public string Value { get; }

    /// <summary>The last segment: "c.txt".</summary>
    public string Name { get; }

    /// <summary>The containing folder with leading and trailing slash: "/a/b/".</summary>
    public string Folder { get; }

    /// <summary>The case-folded form used for lookups.</summary>
    public string Key { get; }

    /// <summary>
    /// Unicode case folding of an NFC string: each character upper-cased then lower-cased (simple folding, so
    /// "\u03C3", "\u03C2" and "\u03A3" meet, and the Kelvin sign meets "k"), and the sharp s folded to "ss" as
    /// APFS's full folding does. Lower-casing alone leaves "\u03C2" apart from "\u03C3".
    /// </summary>
    public static string FoldCase(string value)
    {
        var folded = new StringBuilder(value.Length);
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.Value is 0x00DF or 0x1E9E)
                folded.Append("ss");
            else
                folded.Append(Rune.ToLowerInvariant(Rune.ToUpperInvariant(rune)).ToString());
        }
        return folded.ToString();
    }

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

    // Names Windows reserves for devices, with or without an extension ("CON", "con.txt", "COM\u00B9").
    static readonly HashSet<string> ReservedDeviceNames = new(
        ["CON", "PRN", "AUX", "NUL", .. Enumerable.Range(0, 10).SelectMany(n => new[] { $"COM{n}", $"LPT{n}" }),
         "COM\u00B9", "COM\u00B2", "COM\u00B3", "LPT\u00B9", "LPT\u00B2", "LPT\u00B3", "CONIN$", "CONOUT$"],
        StringComparer.OrdinalIgnoreCase);

    const string WindowsForbidden = "<>:\"|?*\\";

    static bool TryValidateSegment(string segment, [NotNullWhen(false)] out string? error)
    {
        error = segment switch
        {
            "" => "The file path has an empty segment ('//').",
            "." or ".." => $"The file path has a '{segment}' segment; relative segments are not allowed.",
            { Length: > FilePathLimits.MaxSegmentLength } => $"A segment of the file path is longer than {FilePathLimits.MaxSegmentLength} characters.",
            _ when segment.EndsWith('.') || segment.EndsWith(' ') =>
                $"The name '{segment}' ends with a dot or a space, which Windows drops, so it would collide with another name there.",
            _ when ReservedDeviceNames.Contains(segment.Split('.')[0].TrimEnd(' ')) =>
                $"The name '{segment}' is a device name reserved by Windows (CON, PRN, AUX, NUL, COM0-9, LPT0-9).",
            _ => null,
        };
        if (error is not null)
            return false;

        foreach (var rune in segment.EnumerateRunes())
        {
            if (rune.Value == '\\')
            {
                error = "The file path contains '\\'; use '/' to separate folders.";
                return false;
            }
            if (rune.IsAscii && WindowsForbidden.Contains((char)rune.Value))
            {
                error = $"The file path contains '{(char)rune.Value}', which Windows does not allow in names (none of <>:\"|?* are).";
                return false;
            }
            // Control characters; format characters (zero-width, bidi overrides and isolates, the byte order mark),
            // which make a name look like another; private-use and unassigned code points, which show as nothing.
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                error = category == UnicodeCategory.Control
                    ? $"The file path contains the control character U+{rune.Value:X4}."
                    : $"The file path contains U+{rune.Value:X4}, an invisible or unassigned character ({category}); names must show what they are.";
                return false;
            }
        }
        return true;
    }
}
