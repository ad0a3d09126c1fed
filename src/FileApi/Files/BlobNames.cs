using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace FileApi.Files;

/// <summary>
/// Each version has its own blob, named by ids rather than by the user's path, so renames and restores
/// never move bytes and a blob name alone tells which version owns it.
/// </summary>
public static class BlobNames
{
    public static string For(Guid organizationId, Guid workspaceId, Guid fileId, long versionId) =>
        string.Create(CultureInfo.InvariantCulture, $"{organizationId}/{workspaceId}/{fileId}/{versionId}");

    public static bool TryParse(string blobName, [NotNullWhen(true)] out VersionBlob? blob)
    {
        blob = null;
        var parts = blobName.Split('/');
        if (parts.Length != 4
            || !Guid.TryParseExact(parts[0], "D", out var organizationId)
            || !Guid.TryParseExact(parts[1], "D", out var workspaceId)
            || !Guid.TryParseExact(parts[2], "D", out var fileId)
            || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var versionId))
            return false;
        blob = new VersionBlob(organizationId, workspaceId, fileId, versionId);
        return true;
    }
}

public sealed record VersionBlob(Guid OrganizationId, Guid WorkspaceId, Guid FileId, long VersionId);
