using FileApi.Data;
using FileApi.Workspaces;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace FileApi.Files;

/// <summary>
/// Restoring a deleted file (owners). It goes back to its path; if another file has taken that path
/// meanwhile, it is restored beside it as "name (restored).ext" (or "(restored 2)", …) and the answer is
/// 303 See Other pointing at it, with the file in the body.
/// </summary>
static class FileRestore
{
    const int MaxRenames = 100;

    public static async Task<Results<NoContent, JsonHttpResult<FileResponse>, ProblemHttpResult>> RestoreAsync(Guid fileId, FileHandlerServices services)
    {
        var (scope, db, ct) = (services.Scope, services.Db, services.Cancellation);
        if (scope.Role < WorkspaceRole.Owner)
            return WorkspaceScopeFilter.Forbidden(WorkspaceRole.Owner, scope.Role);

        var file = await db.Files.AsNoTracking().FirstOrDefaultAsync(f => f.Id == fileId && f.WorkspaceId == scope.WorkspaceId, ct);
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
            // Looking first keeps taken names from costing a failed statement each; the restore itself still decides.
            if (await db.Files.AnyAsync(f => f.WorkspaceId == scope.WorkspaceId && f.PathKey == path.Key && f.DeletedAt == null, ct))
                continue;

            switch (await services.Lifecycle.RestoreFileAsync(scope, fileId, path, ct))
            {
                case RestoreOutcome.PathTaken:
                    continue; // taken between our look and our write
                case RestoreOutcome.NotDeleted:
                    return TypedResults.NoContent(); // restored meanwhile by someone else
            }
            if (attempt == 0)
                return TypedResults.NoContent();

            var restoredFile = await db.Files.AsNoTracking().FirstAsync(f => f.Id == fileId, ct);
            var described = await services.Reader.DescribeAsync(services.Http, scope, restoredFile, ParsedFileQuery.Version(null), ct);
            if (described.Result is not Ok<FileResponse> { Value: { } restored })
                return (ProblemHttpResult)described.Result;
            services.Http.Response.Headers.Location = restored.Self.AbsoluteUri.Split('?')[0];
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
