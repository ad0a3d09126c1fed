using System.Globalization;
using System.Security.Claims;
using FileApi.Auth;
using FileApi.Data;
using FileApi.Http;
using FileApi.Workspaces;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace FileApi.Files;

public static class FileEndpoints
{
    public static RouteGroupBuilder MapFiles(this IEndpointRouteBuilder endpoints)
    {
        var files = endpoints.MapWorkspaceGroup("/files").WithTags("Files");

        files.MapPut("/path/{**file_path}", RegisterByPath).RequireWorkspaceRole(WorkspaceRole.Editor)
            .WithSummary("Register a new version of the file at a path (creating the file if the path is new) and get an upload link.");
        files.MapPut("/{file_id}", RegisterById).RequireWorkspaceRole(WorkspaceRole.Editor)
            .WithSummary("Register a new version of an existing file, or renew the upload link of a version still uploading (version_id=).");
        files.MapGet("/path/{**file_path}", GetByPath)
            .WithSummary("Get the latest ready version of the file at a path, or one version (version_id=).");
        files.MapGet("/{file_id}", GetById)
            .WithSummary("Get the latest ready version of a file, or one version (version_id=).");

        return files;
    }

    sealed record AllocatedVersion(Guid FileId, long VersionId);

    static async Task<Results<Ok<UploadResponse>, ProblemHttpResult>> RegisterByPath(
        string file_path, [FromQuery(Name = "version_id")] string? version_id,
        WorkspaceScope scope, ClaimsPrincipal user, FileApiDb db, FileLinks links, TimeProvider clock, CancellationToken ct)
    {
        if (!FilePath.TryParse(file_path, out var path, out var pathError))
            return InvalidPath(pathError);
        if (!TryParseVersionId(version_id, out var renewVersionId, out var problem))
            return problem;

        if (renewVersionId is { } existingVersionId)
        {
            var fileId = await db.Files
                .Where(f => f.WorkspaceId == scope.WorkspaceId && f.PathKey == path.Key && f.DeletedAt == null)
                .Select(f => (Guid?)f.Id).FirstOrDefaultAsync(ct);
            return fileId is null ? FileNotFound(path.Value) : await RenewUpload(fileId.Value, existingVersionId, scope, db, links, ct);
        }

        var caller = user.GetCaller();
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);

        // One statement creates the file or bumps its version counter, so concurrent first uploads to
        // the same path agree on one file and still get distinct, increasing version ids.
        var allocated = (await db.Database.SqlQuery<AllocatedVersion>($"""
            INSERT INTO files (id, workspace_id, folder, name, path_key, latest_version_id, created_at, created_by_id, created_by_name, created_by_email)
            VALUES ({Guid.CreateVersion7(now)}, {scope.WorkspaceId}, {path.Folder}, {path.Name}, {path.Key}, {VersionIds.Candidate(now)}, {now}, {caller.Id}, {caller.Name}, {caller.Email})
            ON CONFLICT (workspace_id, path_key) WHERE deleted_at IS NULL
            DO UPDATE SET latest_version_id = GREATEST(EXCLUDED.latest_version_id, files.latest_version_id + {VersionIds.Step})
            RETURNING id AS "FileId", latest_version_id AS "VersionId"
            """).ToListAsync(ct)).Single();

        return await AddVersion(allocated, caller, transaction, scope, db, links, ct);
    }

    static async Task<Results<Ok<UploadResponse>, ProblemHttpResult>> RegisterById(
        string file_id, [FromQuery(Name = "version_id")] string? version_id,
        WorkspaceScope scope, ClaimsPrincipal user, FileApiDb db, FileLinks links, TimeProvider clock, CancellationToken ct)
    {
        if (!TryParseFileId(file_id, out var fileId, out var problem) || !TryParseVersionId(version_id, out var renewVersionId, out problem))
            return problem;

        if (renewVersionId is { } existingVersionId)
        {
            var exists = await db.Files.AnyAsync(f => f.Id == fileId && f.WorkspaceId == scope.WorkspaceId && f.DeletedAt == null, ct);
            return exists ? await RenewUpload(fileId, existingVersionId, scope, db, links, ct) : FileNotFound(fileId.ToString());
        }

        var caller = user.GetCaller();
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var allocated = (await db.Database.SqlQuery<AllocatedVersion>($"""
            UPDATE files SET latest_version_id = GREATEST({VersionIds.Candidate(now)}, latest_version_id + {VersionIds.Step})
            WHERE id = {fileId} AND workspace_id = {scope.WorkspaceId} AND deleted_at IS NULL
            RETURNING id AS "FileId", latest_version_id AS "VersionId"
            """).ToListAsync(ct)).SingleOrDefault();

        if (allocated is null)
            return FileNotFound(fileId.ToString());

        return await AddVersion(allocated, caller, transaction, scope, db, links, ct);
    }

    static async Task<Results<Ok<UploadResponse>, ProblemHttpResult>> AddVersion(
        AllocatedVersion allocated, CallerIdentity caller, Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction,
        WorkspaceScope scope, FileApiDb db, FileLinks links, CancellationToken ct)
    {
        var (upload, expiresAt) = links.Upload(scope, allocated.FileId, allocated.VersionId);
        db.FileVersions.Add(new FileVersion
        {
            FileId = allocated.FileId,
            VersionId = allocated.VersionId,
            Status = VersionStatus.Uploading,
            CreatedAt = VersionIds.CreatedAt(allocated.VersionId),
            CreatedById = caller.Id,
            CreatedByName = caller.Name,
            CreatedByEmail = caller.Email,
            UploadExpiresAt = expiresAt,
        });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.Ok(new UploadResponse(allocated.FileId, FormatVersionId(allocated.VersionId), upload, expiresAt));
    }

    /// <summary>A fresh link for the same version and blob: blocks already uploaded are kept.</summary>
    static async Task<Results<Ok<UploadResponse>, ProblemHttpResult>> RenewUpload(
        Guid fileId, long versionId, WorkspaceScope scope, FileApiDb db, FileLinks links, CancellationToken ct)
    {
        var status = await db.FileVersions
            .Where(v => v.FileId == fileId && v.VersionId == versionId)
            .Select(v => (VersionStatus?)v.Status).FirstOrDefaultAsync(ct);
        if (status is null)
            return VersionNotFound(fileId, versionId);
        if (status != VersionStatus.Uploading)
            return Problems.BadRequest(Problems.VersionNotUploading, "The version is no longer uploading.",
                $"Version {versionId} is {status.Value.ToString().ToLowerInvariant()}; its content cannot change. Register a new version instead.");

        var (upload, expiresAt) = links.Upload(scope, fileId, versionId);
        await db.FileVersions
            .Where(v => v.FileId == fileId && v.VersionId == versionId && v.Status == VersionStatus.Uploading)
            .ExecuteUpdateAsync(set => set.SetProperty(v => v.UploadExpiresAt, expiresAt), ct);
        return TypedResults.Ok(new UploadResponse(fileId, FormatVersionId(versionId), upload, expiresAt));
    }

    static async Task<Results<Ok<FileResponse>, ProblemHttpResult>> GetByPath(
        string file_path, [AsParameters] FileQuery query, WorkspaceScope scope, FileApiDb db, FileLinks links, HttpContext http, CancellationToken ct)
    {
        if (!FilePath.TryParse(file_path, out var path, out var pathError))
            return InvalidPath(pathError);
        if (!query.TryParse(out var versionId, out var includeVersions, out var problem))
            return problem;

        var file = await db.Files.AsNoTracking()
            .FirstOrDefaultAsync(f => f.WorkspaceId == scope.WorkspaceId && f.PathKey == path.Key && f.DeletedAt == null, ct);
        return file is null
            ? FileNotFound(path.Value)
            : await Describe(file, versionId, includeVersions, scope, db, links, http, ct);
    }

    static async Task<Results<Ok<FileResponse>, ProblemHttpResult>> GetById(
        string file_id, [AsParameters] FileQuery query, WorkspaceScope scope, FileApiDb db, FileLinks links, HttpContext http, CancellationToken ct)
    {
        if (!TryParseFileId(file_id, out var fileId, out var problem) || !query.TryParse(out var versionId, out var includeVersions, out problem))
            return problem;

        var file = await db.Files.AsNoTracking()
            .FirstOrDefaultAsync(f => f.Id == fileId && f.WorkspaceId == scope.WorkspaceId && f.DeletedAt == null, ct);
        return file is null
            ? FileNotFound(fileId.ToString())
            : await Describe(file, versionId, includeVersions, scope, db, links, http, ct);
    }

    static async Task<Results<Ok<FileResponse>, ProblemHttpResult>> Describe(
        StoredFile file, long? versionId, bool includeVersions, WorkspaceScope scope, FileApiDb db, FileLinks links, HttpContext http, CancellationToken ct)
    {
        var readyVersions = db.FileVersions.AsNoTracking()
            .Where(v => v.FileId == file.Id && v.Status == VersionStatus.Ready)
            .OrderByDescending(v => v.VersionId);

        FileVersion? version;
        if (versionId is { } requested)
        {
            version = await db.FileVersions.AsNoTracking().FirstOrDefaultAsync(v => v.FileId == file.Id && v.VersionId == requested, ct);
            if (version is null)
                return VersionNotFound(file.Id, requested);
            if (version.Status == VersionStatus.Uploading)
            {
                http.Response.Headers.RetryAfter = "1";
                return Problems.Create(StatusCodes.Status409Conflict, Problems.VersionNotReady, "The version is still uploading.",
                    $"Version {requested} has been registered but its upload has not finished. Try again shortly.",
                    new Dictionary<string, object?> { ["status"] = "uploading", ["upload_expires_at"] = version.UploadExpiresAt });
            }
            if (version.Status == VersionStatus.Failed)
                return Problems.Create(StatusCodes.Status409Conflict, Problems.VersionFailed, "The version failed.",
                    $"Version {requested} will never become ready: {version.FailureReason}",
                    new Dictionary<string, object?> { ["status"] = "failed", ["reason"] = version.FailureReason });
        }
        else
        {
            version = await readyVersions.FirstOrDefaultAsync(ct);
            if (version is null)
                return Problems.NotFound(Problems.FileNotFound, "File not found.",
                    $"The file {file.Folder}{file.Name} has no finished upload yet.");
        }

        List<VersionResponse>? versions = null;
        if (includeVersions)
        {
            versions = (await readyVersions.ToListAsync(ct))
                .Select(v => new VersionResponse(FormatVersionId(v.VersionId), file.Id, file.Name, file.Folder, v.Size ?? 0, v.CreatedAt,
                    new UserResponse(v.CreatedById, v.CreatedByName, v.CreatedByEmail), links.Self(http.Request, scope, file.Id, v.VersionId)))
                .ToList();
        }

        return TypedResults.Ok(new FileResponse(
            file.Name,
            file.Folder,
            file.Id,
            FormatVersionId(version.VersionId),
            version.Size ?? 0,
            version.ETag ?? "",
            file.CreatedAt,
            new UserResponse(file.CreatedById, file.CreatedByName, file.CreatedByEmail),
            version.CreatedAt,
            new UserResponse(version.CreatedById, version.CreatedByName, version.CreatedByEmail),
            links.Download(scope, file, version),
            links.Self(http.Request, scope, file.Id, version.VersionId),
            versions));
    }

    static string FormatVersionId(long versionId) => versionId.ToString(CultureInfo.InvariantCulture);

    static bool TryParseFileId(string raw, out Guid fileId, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        problem = Guid.TryParse(raw, out fileId)
            ? null
            : Problems.BadRequest(Problems.InvalidId, "The file id is not valid.", $"file_id must be a UUID; got '{raw}'.");
        return problem is null;
    }

    static bool TryParseVersionId(string? raw, out long? versionId, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ProblemHttpResult? problem) =>
        new FileQuery(raw, null).TryParse(out versionId, out _, out problem);

    static ProblemHttpResult InvalidPath(string detail) => Problems.BadRequest(Problems.InvalidPath, "The file path is not valid.", detail);

    static ProblemHttpResult FileNotFound(string pathOrId) =>
        Problems.NotFound(Problems.FileNotFound, "File not found.", $"There is no file {pathOrId} in this workspace.");

    static ProblemHttpResult VersionNotFound(Guid fileId, long versionId) =>
        Problems.NotFound(Problems.VersionNotFound, "Version not found.", $"File {fileId} has no version {versionId}.");
}
