using System.ComponentModel;
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
    [property: FromQuery(Name = "version_id"), Description("One version (a 64-bit integer, written as a string) instead of the latest ready one.")] string? VersionId,
    [property: FromQuery(Name = "include_versions"), Description("true adds versions: ready versions, newest first, at most versions_limit of them.")] string? IncludeVersions,
    [property: FromQuery(Name = "versions_limit"), Description("With include_versions: how many versions to list, newest first; 100 unless given, at most Files:MaxVersionsListed (1000).")] string? VersionsLimit,
    [property: FromQuery(Name = "deleted"), Description("true shows a deleted file (with deleted_at and deleted_by).")] string? Deleted,
    [property: FromQuery(Name = "wait"), Description("With version_id: seconds (up to Files:MaxWaitSeconds) to wait for it to become ready or fail.")] string? Wait)
{
    public const int DefaultVersionsListed = 100;

    public bool TryParse(FilesOptions options, [NotNullWhen(true)] out ParsedFileQuery? parsed, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        parsed = null;
        if (!TryParseVersionId(VersionId, out var versionId, out problem)
            || !TryParseBool(IncludeVersions, "include_versions", out var includeVersions, out problem)
            || !TryParseBool(Deleted, "deleted", out var deleted, out problem))
            return false;

        var maxWaitSeconds = options.MaxWaitSeconds;
        var versionsLimit = Math.Min(DefaultVersionsListed, options.MaxVersionsListed);
        if (VersionsLimit is not null
            && (!int.TryParse(VersionsLimit, NumberStyles.None, CultureInfo.InvariantCulture, out versionsLimit) || versionsLimit < 1 || versionsLimit > options.MaxVersionsListed))
        {
            problem = Invalid("versions_limit is not valid.", $"versions_limit must be a whole number from 1 to {options.MaxVersionsListed}; got '{VersionsLimit}'.");
            return false;
        }

        var wait = 0;
        if (Wait is not null && (!int.TryParse(Wait, NumberStyles.None, CultureInfo.InvariantCulture, out wait) || wait > maxWaitSeconds))
        {
            problem = Invalid("wait is not valid.", $"wait must be a whole number of seconds from 0 to {maxWaitSeconds}; got '{Wait}'.");
            return false;
        }

        parsed = new ParsedFileQuery(versionId, includeVersions ?? false, deleted, TimeSpan.FromSeconds(wait), versionsLimit);
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

public sealed record ParsedFileQuery(long? VersionId, bool IncludeVersions, bool? Deleted, TimeSpan Wait, int VersionsLimit)
{
    /// <summary>One version (or the latest ready one), without waiting or the version list.</summary>
    public static ParsedFileQuery Version(long? versionId) => new(versionId, false, null, TimeSpan.Zero, FileQuery.DefaultVersionsListed);
}
