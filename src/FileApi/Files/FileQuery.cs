using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using FileApi.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FileApi.Files;

/// <summary>
/// Query values of the file endpoints. They arrive as text and are parsed here so that a bad value gets a
/// problem that names it; booleans accept any case ("True" from Python clients).
/// </summary>
public sealed record FileQuery(
    [property: FromQuery(Name = "version_id")] string? VersionId,
    [property: FromQuery(Name = "include_versions")] string? IncludeVersions,
    [property: FromQuery(Name = "deleted")] string? Deleted,
    [property: FromQuery(Name = "wait")] string? Wait)
{
    public bool TryParse(int maxWaitSeconds, [NotNullWhen(true)] out ParsedFileQuery? parsed, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        parsed = null;
        if (!TryParseVersionId(VersionId, out var versionId, out problem)
            || !TryParseBool(IncludeVersions, "include_versions", out var includeVersions, out problem)
            || !TryParseBool(Deleted, "deleted", out var deleted, out problem))
            return false;

        var wait = 0;
        if (Wait is not null && (!int.TryParse(Wait, NumberStyles.None, CultureInfo.InvariantCulture, out wait) || wait > maxWaitSeconds))
        {
            problem = Invalid("wait is not valid.", $"wait must be a whole number of seconds from 0 to {maxWaitSeconds}; got '{Wait}'.");
            return false;
        }

        parsed = new ParsedFileQuery(versionId, includeVersions ?? false, deleted, TimeSpan.FromSeconds(wait));
        return true;
    }

    public static bool TryParseVersionId(string? raw, out long? versionId, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        versionId = null;
        problem = null;
        if (raw is null)
            return true;
        if (long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0)
        {
            versionId = parsed;
            return true;
        }
        problem = Invalid("The version id is not valid.", $"version_id must be a positive 64-bit integer; got '{raw}'.");
        return false;
    }

    public static bool TryParseBool(string? raw, string name, out bool? value, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        value = null;
        problem = null;
        if (raw is null)
            return true;
        if (bool.TryParse(raw, out var parsed))
        {
            value = parsed;
            return true;
        }
        problem = Invalid($"{name} is not valid.", $"{name} must be true or false; got '{raw}'.");
        return false;
    }

    public static ProblemHttpResult Invalid(string title, string detail) => Problems.BadRequest(Problems.InvalidQuery, title, detail);
}

public sealed record ParsedFileQuery(long? VersionId, bool IncludeVersions, bool? Deleted, TimeSpan Wait);
