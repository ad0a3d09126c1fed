using System.Globalization;
using FileApi.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FileApi.Files;

/// <summary>
/// Query values of the file endpoints. They arrive as text and are parsed here so that a bad value
/// gets a problem that names it; booleans accept any case ("True" from Python clients).
/// </summary>
public sealed record FileQuery(
    [property: FromQuery(Name = "version_id")] string? VersionId,
    [property: FromQuery(Name = "include_versions")] string? IncludeVersions)
{
    public bool TryParse(out long? versionId, out bool includeVersions, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        versionId = null;
        includeVersions = false;
        problem = null;

        if (VersionId is not null)
        {
            if (!long.TryParse(VersionId, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed <= 0)
            {
                problem = Problems.BadRequest(Problems.InvalidQuery, "The version id is not valid.", $"version_id must be a positive 64-bit integer; got '{VersionId}'.");
                return false;
            }
            versionId = parsed;
        }

        if (IncludeVersions is not null && !bool.TryParse(IncludeVersions, out includeVersions))
        {
            problem = Problems.BadRequest(Problems.InvalidQuery, "include_versions is not valid.", $"include_versions must be true or false; got '{IncludeVersions}'.");
            return false;
        }
        return true;
    }
}
