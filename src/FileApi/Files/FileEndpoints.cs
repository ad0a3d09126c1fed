using System.ComponentModel;
using System.Security.Claims;
using FileApi.Auth;
using FileApi.Data;
using FileApi.Http;
using FileApi.Workspaces;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FileApi.Files;

public static class FileEndpoints
{
    public static RouteGroupBuilder MapFiles(this IEndpointRouteBuilder endpoints)
    {
        var files = endpoints.MapWorkspaceGroup("/files").WithTags("Files");

        files.MapGet("/", FileListing.ListAsync)
            .WithSummary("List files, with filters, ordering, offset paging and a cursor in links.next.");
        files.MapPut("/path/{**file_path}", RegisterByPath).RequireWorkspaceRole(WorkspaceRole.Editor)
            .WithSummary("Register a new version of the file at a path (creating the file if the path is new) and get an upload link; version_id= renews a link.");
        files.MapPut("/{file_id}", RegisterById).RequireWorkspaceRole(WorkspaceRole.Editor)
            .Produces<FileResponse>(StatusCodes.Status303SeeOther)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone)
            .WithSummary("Register a new version of a file; version_id= renews an upload link; deleted=false restores a deleted file (owners).")
            .WithDescription("Restoring answers 204 when the file is back at its path, or 303 See Other with Location and the file when its path was "
                + "taken meanwhile and it was restored as 'name (restored).ext'; 409 restore-conflict when no free name was found.");
        files.MapPost("/{file_id}/versions/{version_id}/complete", Complete).RequireWorkspaceRole(WorkspaceRole.Editor)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Tell the API the upload is committed: the version is checked and marked ready at once.")
            .WithDescription("409 version-not-committed before Put Blob or Put Block List; 409 version-failed (with reason) when the blob breaks what was declared.");
        files.MapGet("/path/{**file_path}", GetByPath)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("The latest ready version of the file at a path, or one version (version_id=, wait=).")
            .WithDescription(VersionConflicts);
        files.MapGet("/{file_id}", GetById)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone)
            .WithSummary("The latest ready version of a file, or one version (version_id=, wait=); deleted files answer 410 unless deleted=true.")
            .WithDescription(VersionConflicts);
        files.MapDelete("/path/{**file_path}", DeleteByPath).RequireWorkspaceRole(WorkspaceRole.Editor)
            .WithSummary("Delete the file at a path (soft: it can be restored until the retention period ends).");
        files.MapDelete("/{file_id}", DeleteById).RequireWorkspaceRole(WorkspaceRole.Editor)
            .WithSummary("Delete a file (soft: it can be restored until the retention period ends).");

        return files;
    }

    const string RenewDescription = "A version still uploading: answers a fresh upload link for it instead of registering a new version.";
    const string RegisterBodyDescription = "Optional: what the upload will be. A committed blob that does not match never becomes ready.";

    const string VersionConflicts =
        "With version_id: 409 version-not-ready (Retry-After) while it uploads, 409 version-failed (with reason) if it never will be ready, "
        + "404 version-not-found. 409 version-content-changed when the stored bytes changed after readiness.";

    sealed record AllocatedVersion(Guid FileId, long VersionId);

    static async Task<Results<Ok<UploadResponse>, ProblemHttpResult>> RegisterByPath(
        [Description("The file's path in the workspace, e.g. reports/2026/q1.csv.")] string file_path,
        [FromQuery(Name = "version_id"), Description(RenewDescription)] string? version_id,
        [FromBody, Description(RegisterBodyDescription)] RegisterRequest? request,
        WorkspaceScope scope, ClaimsPrincipal user, FileApiDb db, FileLinks links, TimeProvider clock, IOptions<FilesOptions> options, CancellationToken ct)
    {
        if (!FilePath.TryParse(file_path, out var path, out var pathError))
            return InvalidPath(pathError);
        if (!FileQuery.TryParseVersionId(version_id, out var renewVersionId, out var problem))
            return problem;

        var file = await db.Files.AsNoTracking()
            .Where(f => f.WorkspaceId == scope.WorkspaceId && f.PathKey == path.Key && f.DeletedAt == null)
            .Select(f => new { f.Id }).FirstOrDefaultAsync(ct);
        if (renewVersionId is { } existingVersionId)
            return file is null ? FileNotFound(path.Value) : await RenewUpload(file.Id, existingVersionId, scope, db, links, ct);
        if (!TryReadDeclaration(request, options.Value, out var declaration, out problem))
            return problem;

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

        return await AddVersion(allocated, declaration, caller, transaction, scope, db, links, ct);
    }

    static async Task<Results<Ok<UploadResponse>, NoContent, JsonHttpResult<FileResponse>, ProblemHttpResult>> RegisterById(
        [Description("The file id (a UUID).")] string file_id,
        [FromQuery(Name = "version_id"), Description(RenewDescription)] string? version_id,
        [FromQuery(Name = "deleted"), Description("false restores a deleted file (owners).")] string? deleted,
        [FromBody, Description(RegisterBodyDescription)] RegisterRequest? request,
        WorkspaceScope scope, ClaimsPrincipal user, FileApiDb db, FileLinks links, FileReader reader, TimeProvider clock, IOptions<FilesOptions> options,
        HttpContext http, CancellationToken ct)
    {
        if (!TryParseFileId(file_id, out var fileId, out var problem)
            || !FileQuery.TryParseVersionId(version_id, out var renewVersionId, out problem)
            || !FileQuery.TryParseBool(deleted, "deleted", out var restoreFlag, out problem))
            return problem;

        if (restoreFlag is not null)
        {
            if (restoreFlag.Value)
                return FileQuery.Invalid("deleted=true is not a change.", "To delete a file, send DELETE; to restore it, PUT with deleted=false.");
            return await FileRestore.RestoreAsync(fileId, scope, user, db, reader, http, ct);
        }

        var state = await db.Files.AsNoTracking()
            .Where(f => f.Id == fileId && f.WorkspaceId == scope.WorkspaceId)
            .Select(f => new { Deleted = f.DeletedAt != null }).FirstOrDefaultAsync(ct);
        if (state is null)
            return FileNotFound(fileId.ToString());
        if (state.Deleted)
            return FileDeletedProblem(fileId);
        if (renewVersionId is { } existingVersionId)
            return Widen(await RenewUpload(fileId, existingVersionId, scope, db, links, ct));
        if (!TryReadDeclaration(request, options.Value, out var declaration, out problem))
            return problem;

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

        return Widen(await AddVersion(allocated, declaration, caller, transaction, scope, db, links, ct));
    }

    static Results<Ok<UploadResponse>, NoContent, JsonHttpResult<FileResponse>, ProblemHttpResult> Widen(Results<Ok<UploadResponse>, ProblemHttpResult> result) =>
        result.Result is Ok<UploadResponse> ok ? ok : (ProblemHttpResult)result.Result;

    static async Task<Results<Ok<UploadResponse>, ProblemHttpResult>> AddVersion(
        AllocatedVersion allocated, RegisterRequest declaration, CallerIdentity caller, Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction,
        WorkspaceScope scope, FileApiDb db, FileLinks links, CancellationToken ct)
    {
        using var span = Telemetry.FileApiTelemetry.StartRegistration(allocated.FileId, allocated.VersionId);
        var (upload, expiresAt) = await links.UploadAsync(scope, allocated.FileId, allocated.VersionId, ct);
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
            DeclaredSize = declaration.Size,
            DeclaredMd5 = declaration.ContentMd5,
            DeclaredSha256 = declaration.ContentSha256,
        });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        Telemetry.FileApiTelemetry.VersionRegistered();
        return TypedResults.Ok(new UploadResponse(allocated.FileId, FileReader.Format(allocated.VersionId), upload, expiresAt));
    }

    /// <summary>A fresh link for the same version and blob: blocks already uploaded are kept.</summary>
    static async Task<Results<Ok<UploadResponse>, ProblemHttpResult>> RenewUpload(
        Guid fileId, long versionId, WorkspaceScope scope, FileApiDb db, FileLinks links, CancellationToken ct)
    {
        var status = await db.FileVersions
            .Where(v => v.FileId == fileId && v.VersionId == versionId)
            .Select(v => (VersionStatus?)v.Status).FirstOrDefaultAsync(ct);
        if (status is null)
            return FileReader.VersionNotFound(fileId, versionId);
        if (status != VersionStatus.Uploading)
            return Problems.BadRequest(Problems.VersionNotUploading, "The version is no longer uploading.",
                $"Version {versionId} is {status.Value.ToString().ToLowerInvariant()}; its content cannot change. Register a new version instead.");

        var (upload, expiresAt) = await links.UploadAsync(scope, fileId, versionId, ct);
        await db.FileVersions
            .Where(v => v.FileId == fileId && v.VersionId == versionId && v.Status == VersionStatus.Uploading)
            .ExecuteUpdateAsync(set => set.SetProperty(v => v.UploadExpiresAt, expiresAt), ct);
        return TypedResults.Ok(new UploadResponse(fileId, FileReader.Format(versionId), upload, expiresAt));
    }

    static async Task<Results<Ok<FileResponse>, ProblemHttpResult>> Complete(
        string file_id, string version_id, WorkspaceScope scope, FileApiDb db, UploadCompletion completion, FileReader reader, HttpContext http, CancellationToken ct)
    {
        if (!TryParseFileId(file_id, out var fileId, out var problem) || !FileQuery.TryParseVersionId(version_id, out var versionId, out problem))
            return problem;

        var file = await db.Files.AsNoTracking().FirstOrDefaultAsync(f => f.Id == fileId && f.WorkspaceId == scope.WorkspaceId, ct);
        if (file is null)
            return FileNotFound(fileId.ToString());

        var outcome = await completion.CompleteAsync(BlobNames.For(scope.OrganizationId, scope.WorkspaceId, fileId, versionId!.Value), ct);
        if (outcome == CompletionOutcome.NotCommitted)
            return Problems.Create(StatusCodes.Status409Conflict, Problems.VersionNotCommitted, "The upload is not committed.",
                $"No committed blob exists for version {versionId}: finish the upload with Put Blob or Put Block List, then call this again.");

        // Completion changes only the version; the file row read above is still current for describing it.
        return await reader.DescribeAsync(http, scope, file, versionId, includeVersions: false, TimeSpan.Zero, ct);
    }

    static async Task<Results<Ok<FileResponse>, ProblemHttpResult>> GetByPath(
        string file_path, [AsParameters] FileQuery query, WorkspaceScope scope, FileApiDb db, FileReader reader, IOptions<FilesOptions> options, HttpContext http, CancellationToken ct)
    {
        if (!FilePath.TryParse(file_path, out var path, out var pathError))
            return InvalidPath(pathError);
        if (!query.TryParse(options.Value.MaxWaitSeconds, out var parsed, out var problem))
            return problem;

        // A path names the live file; with deleted=true, the one most recently deleted there.
        var candidates = db.Files.AsNoTracking().Where(f => f.WorkspaceId == scope.WorkspaceId && f.PathKey == path.Key);
        var file = parsed.Deleted == true
            ? await candidates.Where(f => f.DeletedAt != null).OrderByDescending(f => f.DeletedAt).FirstOrDefaultAsync(ct)
            : await candidates.FirstOrDefaultAsync(f => f.DeletedAt == null, ct);
        return file is null
            ? FileNotFound(path.Value)
            : await reader.DescribeAsync(http, scope, file, parsed.VersionId, parsed.IncludeVersions, parsed.Wait, ct);
    }

    static async Task<Results<Ok<FileResponse>, ProblemHttpResult>> GetById(
        string file_id, [AsParameters] FileQuery query, WorkspaceScope scope, FileApiDb db, FileReader reader, IOptions<FilesOptions> options, HttpContext http, CancellationToken ct)
    {
        if (!TryParseFileId(file_id, out var fileId, out var problem) || !query.TryParse(options.Value.MaxWaitSeconds, out var parsed, out problem))
            return problem;

        var file = await db.Files.AsNoTracking().FirstOrDefaultAsync(f => f.Id == fileId && f.WorkspaceId == scope.WorkspaceId, ct);
        if (file is null)
            return FileNotFound(fileId.ToString());
        if (file.DeletedAt is not null && parsed.Deleted != true)
            return FileDeletedProblem(fileId);
        return await reader.DescribeAsync(http, scope, file, parsed.VersionId, parsed.IncludeVersions, parsed.Wait, ct);
    }

    static async Task<Results<NoContent, ProblemHttpResult>> DeleteByPath(
        string file_path, WorkspaceScope scope, ClaimsPrincipal user, FileApiDb db, TimeProvider clock, CancellationToken ct)
    {
        if (!FilePath.TryParse(file_path, out var path, out var pathError))
            return InvalidPath(pathError);
        var deleted = await SoftDeleteAsync(db.Files.Where(f => f.WorkspaceId == scope.WorkspaceId && f.PathKey == path.Key), user, clock, ct);
        return deleted ? TypedResults.NoContent() : FileNotFound(path.Value);
    }

    static async Task<Results<NoContent, ProblemHttpResult>> DeleteById(
        string file_id, WorkspaceScope scope, ClaimsPrincipal user, FileApiDb db, TimeProvider clock, CancellationToken ct)
    {
        if (!TryParseFileId(file_id, out var fileId, out var problem))
            return problem;
        var files = db.Files.Where(f => f.Id == fileId && f.WorkspaceId == scope.WorkspaceId);
        if (await SoftDeleteAsync(files, user, clock, ct))
            return TypedResults.NoContent();
        // Deleting what is already deleted changes nothing and succeeds, so a retried DELETE is harmless.
        return await files.AnyAsync(ct) ? TypedResults.NoContent() : FileNotFound(fileId.ToString());
    }

    static async Task<bool> SoftDeleteAsync(IQueryable<StoredFile> files, ClaimsPrincipal user, TimeProvider clock, CancellationToken ct)
    {
        var caller = user.GetCaller();
        var now = clock.GetUtcNow();
        return await files.Where(f => f.DeletedAt == null).ExecuteUpdateAsync(set => set
            .SetProperty(f => f.DeletedAt, now)
            .SetProperty(f => f.DeletedById, caller.Id)
            .SetProperty(f => f.DeletedByName, caller.Name)
            .SetProperty(f => f.DeletedByEmail, caller.Email), ct) > 0;
    }

    static bool TryReadDeclaration(RegisterRequest? request, FilesOptions options, out RegisterRequest declaration, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        declaration = request ?? new RegisterRequest(null, null, null);
        problem = declaration switch
        {
            { Size: < 0 } => Problems.BadRequest(Problems.InvalidBody, "The declared size is not valid.", "size must be zero or more bytes."),
            { Size: { } size } when size > options.MaxFileSize => Problems.BadRequest(Problems.FileTooLarge, "The file is too large.",
                $"The declared size of {size} bytes is over the maximum file size of {options.MaxFileSize} bytes."),
            { ContentMd5: { } md5 } when !IsBase64OfLength(md5, 16) => Problems.BadRequest(Problems.InvalidBody, "The declared MD5 is not valid.",
                "content_md5 must be the base64 of a 16-byte MD5 digest."),
            { ContentSha256: { } sha256 } when sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigit) => Problems.BadRequest(Problems.InvalidBody,
                "The declared SHA-256 is not valid.", "content_sha256 must be 64 hexadecimal characters."),
            _ => null,
        };
        declaration = declaration with { ContentSha256 = declaration.ContentSha256?.ToLowerInvariant() };
        return problem is null;
    }

    static bool IsBase64OfLength(string text, int length)
    {
        Span<byte> bytes = stackalloc byte[length + 3];
        return Convert.TryFromBase64String(text, bytes, out var written) && written == length;
    }

    internal static bool TryParseFileId(string raw, out Guid fileId, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        problem = Guid.TryParse(raw, out fileId)
            ? null
            : Problems.BadRequest(Problems.InvalidId, "The file id is not valid.", $"file_id must be a UUID; got '{raw}'.");
        return problem is null;
    }

    static ProblemHttpResult InvalidPath(string detail) => Problems.BadRequest(Problems.InvalidPath, "The file path is not valid.", detail);

    internal static ProblemHttpResult FileNotFound(string pathOrId) =>
        Problems.NotFound(Problems.FileNotFound, "File not found.", $"There is no file {pathOrId} in this workspace.");

    static ProblemHttpResult FileDeletedProblem(Guid fileId) =>
        Problems.Create(StatusCodes.Status410Gone, Problems.FileDeleted, "The file was deleted.",
            $"File {fileId} was deleted. An owner can restore it with PUT ...?deleted=false; GET with deleted=true shows it.");
}
