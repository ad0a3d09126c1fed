using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using FileApi.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Microsoft.Net.Http.Headers;

namespace FileApi.Files;

/// <summary>
/// What a registration may say about a version besides its bytes: a media type, served on download through the
/// link's response-header override, and string metadata. The limits keep a version's row small and its answer
/// printable: at most <see cref="MaxEntries"/> entries, keys of 1 to <see cref="MaxKeyLength"/> characters from
/// [a-z0-9_.-] starting with a letter or digit, values of at most <see cref="MaxValueLength"/> characters without
/// control characters, and at most <see cref="MaxTotalLength"/> characters of keys and values together.
/// </summary>
public static class VersionMetadata
{
    public const string DefaultContentType = "application/octet-stream";
    public const int MaxContentTypeLength = 255;
    public const int MaxEntries = 32;
    public const int MaxKeyLength = 64;
    public const int MaxValueLength = 1024;
    public const int MaxTotalLength = 8192;

    static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    /// <summary>What downloads of a version are served as.</summary>
    public static string ServedContentType(string? declared) => declared ?? DefaultContentType;

    /// <summary>The metadata as answered: every key, in ordinal order; empty when none was declared.</summary>
    public static IReadOnlyDictionary<string, string> Answered(Dictionary<string, string>? stored) => stored ?? None;

    /// <summary>
    /// A media type with a concrete type and subtype ("text/csv; charset=utf-8"), printable ASCII (it travels in a
    /// SAS query and a response header). Type and subtype are stored in lower case; parameters as given.
    /// </summary>
    public static bool TryParseContentType(string? raw, out string? contentType, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        contentType = null;
        problem = null;
        if (raw is null)
            return true;
        var text = raw.Trim();
        if (text.Length is 0 or > MaxContentTypeLength || !text.All(c => c is >= ' ' and < (char)0x7F)
            || !MediaTypeHeaderValue.TryParse(text, out var parsed) || parsed.MatchesAllTypes || parsed.MatchesAllSubTypes
            || parsed.Type.Length == 0 || parsed.SubType.Length == 0 || parsed.SubType.Value!.Contains('*'))
        {
            problem = Problems.BadRequest(Problems.InvalidContentType, "The declared content type is not valid.",
                $"content_type must be a media type such as text/csv or image/png (type/subtype, optional parameters), "
                + $"printable ASCII of at most {MaxContentTypeLength} characters; got '{Shorten(raw)}'.");
            return false;
        }
        var end = text.IndexOf(';') is var semicolon and >= 0 ? semicolon : text.Length;
        contentType = text[..end].Trim().ToLowerInvariant() + text[end..];
        return true;
    }

    /// <summary>Checks the limits; the stored copy is ordered by key so that answers are stable.</summary>
    public static bool TryParse(IReadOnlyDictionary<string, string>? raw, out Dictionary<string, string>? metadata, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        metadata = null;
        problem = null;
        if (raw is null || raw.Count == 0)
            return true;
        if (raw.Count > MaxEntries)
            return Invalid($"metadata has {raw.Count} entries; at most {MaxEntries} are allowed.", out problem);
        var total = 0;
        foreach (var (key, value) in raw)
        {
            if (key.Length is 0 or > MaxKeyLength || !IsKeyStart(key[0]) || !key.All(IsKeyChar))
                return Invalid($"The metadata key '{Shorten(key)}' is not valid: keys are 1 to {MaxKeyLength} characters of a-z, 0-9, '_', '-' and '.', "
                    + "starting with a letter or digit.", out problem);
            // A JSON null binds here despite the annotation.
            if ((string?)value is null)
                return Invalid($"The metadata value of '{key}' is null; values are strings.", out problem);
            if (value.Length > MaxValueLength)
                return Invalid($"The metadata value of '{key}' is {value.Length} characters; at most {MaxValueLength} are allowed.", out problem);
            if (!IsPrintable(value))
                return Invalid($"The metadata value of '{key}' contains a control character or is not valid Unicode.", out problem);
            total += key.Length + value.Length;
        }
        if (total > MaxTotalLength)
            return Invalid($"metadata keys and values are {total} characters together; at most {MaxTotalLength} are allowed.", out problem);
        metadata = raw.OrderBy(entry => entry.Key, StringComparer.Ordinal).ToDictionary(entry => entry.Key, entry => entry.Value, StringComparer.Ordinal);
        return true;
    }

    static bool Invalid(string detail, out ProblemHttpResult problem)
    {
        problem = Problems.BadRequest(Problems.InvalidMetadata, "The declared metadata is not valid.", detail);
        return false;
    }

    static bool IsKeyStart(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);

    static bool IsKeyChar(char c) => IsKeyStart(c) || c is '_' or '-' or '.';

    static bool IsPrintable(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsControl(value[i]))
                return false;
            if (char.IsSurrogate(value[i]) && !(char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[++i])))
                return false;
        }
        return true;
    }

    static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";

    // ---- storage: one JSON object in a text column --------------------------------------------------------

    static readonly JsonSerializerOptions StorageJson = new();

    public static string Serialize(IReadOnlyDictionary<string, string> metadata) => JsonSerializer.Serialize(metadata, StorageJson);

    public static Dictionary<string, string>? Deserialize(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(json, StorageJson);

    public static readonly ValueConverter<Dictionary<string, string>?, string?> Converter =
        new(metadata => metadata == null ? null : Serialize(metadata), json => Deserialize(json));

    public static readonly ValueComparer<Dictionary<string, string>?> Comparer = new(
        (a, b) => a == null ? b == null : b != null && a.Count == b.Count && a.All(entry => b.ContainsKey(entry.Key) && b[entry.Key] == entry.Value),
        metadata => metadata == null ? 0 : metadata.Aggregate(0, (hash, entry) => HashCode.Combine(hash, entry.Key, entry.Value)),
        metadata => metadata == null ? null : new Dictionary<string, string>(metadata, StringComparer.Ordinal));
}
