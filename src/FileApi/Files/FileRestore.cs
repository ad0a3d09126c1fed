using System.Security.Claims;
using FileApi.Data;
using FileApi.Workspaces;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace FileApi.Files;

/// <summary>
/// Restoring a deleted file (owners). It goes back to its path; if another file has taken that path
/// meanwhile, it is restored beside it as "name (restored).ext" (or "(restored 2)", …) and the answer is
/// 303 See Other pointing at it, with the file in the body.
/// </summary>
static class FileRestore
{
    const int MaxRenames = 100;

    public static async Task<Results<Ok<UploadResponse>, NoContent, JsonHttpResult<FileResponse>, ProblemHttpResult>> RestoreAsync(
        Guid fileId, WorkspaceScope scope, ClaimsPrincipal user, FileApiDb db, FileReader reader, HttpContext http, CancellationToken ct)
    {
        if (scope.Role < WorkspaceRole.Owner)
            return WorkspaceScopeFilter.Forbidden(WorkspaceRole.Owner, scope.Role);

        var file = await db.Files.FirstOrDefaultAsync(f => f.Id == fileId && f.WorkspaceId == scope.WorkspaceId, ct);
        if (file is null)
            return FileEndpoints.FileNotFound(fileId.ToString());
        if (file.DeletedAt is null)
            return TypedResults.NoContent();

        var originalName = file.Name;
        for (var attempt = 0; attempt <= MaxRenames; attempt++)
        {
            var name = attempt == 0 ? originalName : RestoredName(originalName, attempt);
            if (!FilePath.TryParse(file.Folder.TrimStart('/') + name, out var path, out _))
                continue;
            if (await db.Files.AnyAsync(f => f.WorkspaceId == scope.WorkspaceId && f.PathKey == path.Key && f.DeletedAt == null, ct))
                continue;

            (file.Name, file.PathKey) = (path.Name, path.Key);
            (file.DeletedAt, file.DeletedById, file.DeletedByName, file.DeletedByEmail) = (null, null, null, null);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                continue; // taken between our look and our write
            }

            if (attempt == 0)
                return TypedResults.NoContent();

            var described = await reader.DescribeAsync(http, scope, file, versionId: null, includeVersions: false, TimeSpan.Zero, ct);
            if (described.Result is not Ok<FileResponse> { Value: { } restored })
                return (ProblemHttpResult)described.Result;
            http.Response.Headers.Location = restored.Self.AbsoluteUri.Split('?')[0];
            return TypedResults.Json(restored, (System.Text.Json.JsonSerializerOptions?)null, contentType: null, statusCode: StatusCodes.Status303SeeOther);
        }

        return Http.Problems.Create(StatusCodes.Status409Conflict, Http.Problems.RestoreConflict, "No free name to restore to.",
            $"{file.Folder}{originalName} and {MaxRenames} restored names beside it are all taken.");
    }

    public static string RestoredName(string name, int attempt)
    {
        var dot = name.LastIndexOf('.');
        var (stem, extension) = dot > 0 ? (name[..dot], name[dot..]) : (name, "");
        var suffix = attempt == 1 ? " (restored)" : $" (restored {attempt})";
        var room = FilePathLimits.MaxSegmentLength - suffix.Length - extension.Length;
        return (stem.Length > room ? stem[..Math.Max(1, room)] : stem) + suffix + extension;
    }
}
