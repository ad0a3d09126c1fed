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

        files.MapGet("/", FileListing.ListAsync).WithName("listFiles")
            .WithSummary("List files, with filters, ordering, offset paging and a cursor in links.next.");
        files.MapPut("/path/{**file_path}", RegisterByPath).RequireWorkspaceRole(WorkspaceRole.Editor).WithName("registerFileVersionByPath")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Register a new version of the file at a path (creating the file if the path is new) and get an upload link; version_id= renews a link.");
        files.MapPut("/{file_id}", RegisterById).RequireWorkspaceRole(WorkspaceRole.Editor).WithName("registerFileVersionById")
            .Produces<FileResponse>(StatusCodes.Status303SeeOther)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone)
            .WithSummary("Register a new version of a file; version_id= renews an upload link; deleted=false restores a deleted file (owners).")
            .WithDescription("Restoring answers 204 when the file is back at its path, or 303 See Other with Location and the file when its path was "
                + "taken meanwhile and it was restored as 'name (restored).ext'; 409 restore-conflict when no free name was found.");
        files.MapPost("/{file_id}/versions/{version_id}/complete", Complete).RequireWorkspaceRole(WorkspaceRole.Editor).WithName("completeUpload")
            .WithMetadata(new ReadsWorkspaceRoleInItsQuery())
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone)
            .WithSummary("Tell the API the upload is committed (its uploader or an owner): the version is checked and marked ready.")
            .WithDescription("200 with the file when it is ready at once or within a short wait; 202 Accepted (Retry-After, Location: the version) "
                + "with {file_id, version_id, state: verifying} while a declared checksum is verified in the background; poll the Location with wait=. "
                + "409 version-not-committed before Put Blob or Put Block List; 409 version-failed (with reason) when the blob breaks what was declared.");
        files.MapDelete("/{file_id}/versions/{version_id}", Abort).RequireWorkspaceRole(WorkspaceRole.Editor).WithName("abortUpload")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Abort an upload (its uploader or an owner): the version fails with reason 'aborted' and its uploaded blocks are dropped.")
            .WithDescription("204 also when it was already aborted or failed; 409 version-not-uploading for a ready version (delete the file instead).");
        files.MapGet("/path/{**file_path}", GetByPath).WithName("getFileByPath")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("The latest ready version of the file at a path, or one version (version_id=, wait=).")
            .WithDescription(VersionConflicts);
        files.MapGet("/{file_id}", GetById).WithName("getFileById").WithMetadata(new ReadsWorkspaceRoleInItsQuery())
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status410Gone)
            .WithSummary("The latest ready version of a file, or one version (version_id=, wait=); deleted files answer 410 unless deleted=true.")
            .WithDescription(VersionConflicts);
        files.MapDelete("/path/{**file_path}", DeleteByPath).RequireWorkspaceRole(WorkspaceRole.Editor).WithName("deleteFileByPath")
            .WithSummary("Delete the file at a path (soft: it can be restored until the retention period ends).");
        files.MapDelete("/{file_id}", DeleteById).RequireWorkspaceRole(WorkspaceRole.Editor).WithName("deleteFileById")
            .WithSummary("Delete a file (soft: it can be restored until the retention period ends).");

        return files;
    }

    const string RenewDescription = "A version still uploading: answers a fresh upload link for it instead of registering a new version.";
    const string RegisterBodyDescription = "Optional: what the upload will be (a committed blob that does not match never becomes ready), "
        + "its content_type (served on download) and metadata. 400 invalid-content-type or invalid-metadata when they break the documented limits; "
        + "409 quota-exceeded when a declared size does not fit the workspace's quota.";

    const string VersionConflicts =
        "With version_id: 409 version-not-ready (Retry-After) while it uploads, 409 version-failed (with reason) if it never will be ready, "
        + "404 version-not-found. 409 version-content-changed when the stored bytes changed after readiness. "
        + "With wait=: 429 too-many-waits past the caller's share of waiting polls, 503 waits-unavailable past the instance's (Retry-After).";

    static async Task<Results<Ok<UploadResponse>, ProblemHttpResult>> RegisterByPath(
        [Description("The file's path in the workspace, e.g. reports/2026/q1.csv.")] string file_path,
        [FromQuery(Name = "version_id"), Description(RenewDescription)] string? version_id,
        [FromBody, Description(RegisterBodyDescription)] RegisterRequest? request,
        [AsParameters] FileHandlerServices services)
    {
        if (!FilePath.TryParse(file_path, out var path, out var pathError))
            return InvalidPath(pathError);
        if (!FileQuery.TryParseVersionId(version_id, out var renewVersionId, out var problem))
            return problem;

        if (renewVersionId is { } existingVersionId)
        {
            var file = await services.Db.Files.AsNoTracking()
                .Where(f => f.WorkspaceId == services.Scope.WorkspaceId && f.PathKey == path.Key && f.DeletedAt == null)
                .Select(f => new { f.Id }).FirstOrDefaultAsync(services.Cancellation);
            return file is null ? FileNotFound(path.Value) : await RenewAsync(file.Id, existingVersionId, services);
        }
        if (!TryReadDeclaration(request, services.Options.Value, out var declaration, out problem))
            return problem;
        if (await WorkspaceQuotas.RefuseDeclaredSizeAsync(services.Db, services.Scope, declaration.Size, services.Cancellation) is { } overQuota)
            return overQuota;

        var expiresAt = services.Links.UploadExpiry();
        var allocated = await services.Lifecycle.RegisterAtPathAsync(services.Scope, path, services.User.GetCaller(), declaration, expiresAt, services.Cancellation);
        if (allocated is null)
            return Problems.Create(StatusCodes.Status409Conflict, Problems.PathConflict, "A file and a folder cannot share a name.",
                $"{path.Value} is a folder of live files or lies under a live file; one name cannot be both (as on Windows and macOS).");
        return await UploadAnswerAsync(allocated.FileId, allocated.VersionId, expiresAt, services);
    }

    /// <summary>One route, three requests told apart by the query: restore (deleted=false), renew (version_id=) or a new version.</summary>
    static async Task<Results<Ok<UploadResponse>, NoContent, JsonHttpResult<FileResponse>, ProblemHttpResult>> RegisterById(
        [Description("The file id (a UUID).")] string file_id,
        [FromQuery(Name = "version_id"), Description(RenewDescription)] string? version_id,
        [FromQuery(Name = "deleted"), Description("false restores a deleted file (owners).")] string? deleted,
        [FromBody, Description(RegisterBodyDescription)] RegisterRequest? request,
        [AsParameters] FileHandlerServices services)
    {
        if (!TryParseFileId(file_id, out var fileId, out var problem)
            || !FileQuery.TryParseVersionId(version_id, out var renewVersionId, out problem)
            || !FileQuery.TryParseBool(deleted, "deleted", out var restoreFlag, out problem))
            return problem;

        if (restoreFlag is { } restore)
        {
            if (restore)
                return FileQuery.Invalid("deleted=true is not a change.", "To delete a file, send DELETE; to restore it, PUT with deleted=false.");
            var restored = await FileRestore.RestoreAsync(fileId, services);
            return restored.Result switch
            {
                NoContent done => done,
                JsonHttpResult<FileResponse> moved => moved,
                _ => (ProblemHttpResult)restored.Result,
            };
        }

        var registered = renewVersionId is { } existingVersionId
            ? await RenewByIdAsync(fileId, existingVersionId, services)
            : await AddVersionAsync(fileId, request, services);
        return registered.Result is Ok<UploadResponse> ok ? ok : (ProblemHttpResult)registered.Result;
    }

    static async Task<Results<Ok<UploadResponse>, ProblemHttpResult>> AddVersionAsync(Guid fileId, RegisterRequest? request, FileHandlerServices services)
    {
        if (!TryReadDeclaration(request, services.Options.Value, out var declaration, out var problem))
            return problem;
        if (await WorkspaceQuotas.RefuseDeclaredSizeAsync(services.Db, services.Scope, declaration.Size, services.Cancellation) is { } overQuota)
            return overQuota;
        var expiresAt = services.Links.UploadExpiry();
        var allocated = await services.Lifecycle.RegisterForFileAsync(services.Scope, fileId, services.User.GetCaller(), declaration, expiresAt, services.Cancellation);
        return allocated is null
            ? await FileGoneAsync(fileId, services)
            : await UploadAnswerAsync(allocated.FileId, allocated.VersionId, expiresAt, services);
    }

    static async Task<Results<Ok<UploadResponse>, ProblemHttpResult>> RenewByIdAsync(Guid fileId, long versionId, FileHandlerServices services)
    {
        var live = await services.Db.Files.AnyAsync(f => f.Id == fileId && f.WorkspaceId == services.Scope.WorkspaceId && f.DeletedAt == null, services.Cancellation);
        return live ? await RenewAsync(fileId, versionId, services) : await FileGoneAsync(fileId, services);
    }

    /// <summary>A fresh link for the same version and blob: blocks already uploaded are kept.</summary>
    static async Task<Results<Ok<UploadResponse>, ProblemHttpResult>> RenewAsync(Guid fileId, long versionId, FileHandlerServices services)
    {
        var expiresAt = services.Links.UploadExpiry();
        var outcome = await services.Lifecycle.RenewAsync(services.Scope, fileId, versionId, services.User.GetCaller(), expiresAt, services.Cancellation);
        return outcome switch
        {
            TransitionOutcome.Done => await UploadAnswerAsync(fileId, versionId, expiresAt, services),
            TransitionOutcome.VersionNotFound => FileReader.VersionNotFound(fileId, versionId),
            TransitionOutcome.NotUploader => NotUploader(versionId, services.Scope),
            _ => Problems.BadRequest(Problems.VersionNotUploading, "The version is no longer uploading.",
                $"Version {versionId} is ready, failed, or was abandoned when its link expired; its content cannot change. Register a new version instead."),
        };
    }

    // The link is signed after the version's row is written, outside any transaction.
    static async Task<Ok<UploadResponse>> UploadAnswerAsync(Guid fileId, long versionId, DateTimeOffset expiresAt, FileHandlerServices services) =>
        TypedResults.Ok(new UploadResponse(fileId, FileReader.Format(versionId),
            await services.Links.UploadAsync(services.Scope, fileId, versionId, expiresAt, services.Cancellation), expiresAt));

    /// <summary>
    /// 200 with the file when the version is ready at once or within <see cref="FilesOptions.CompletionWait"/>;
    /// otherwise 202 while its checksum is verified in the background, which no hang-up can stop.
    /// </summary>
    static async Task<Results<Ok<FileResponse>, Accepted<VerificationAccepted>, ProblemHttpResult>> Complete(
        string file_id, string version_id, [AsParameters] FileHandlerServices services)
    {
        var (http, scope, ct) = (services.Http, services.Scope, services.Cancellation);
        // A malformed request is answered only to a caller with a role, as on every other workspace route.
        if (!TryParseFileId(file_id, out var fileId, out var problem) || !FileQuery.TryParseVersionId(version_id, out var parsedVersionId, out problem))
            return scope.Admit(http, await WorkspaceScopeFilter.RoleOfCallerAsync(http, scope.OrganizationId, scope.WorkspaceId)) ?? problem;
        var versionId = parsedVersionId!.Value;

        // One round trip: membership, the file and the version together (see ReadsWorkspaceRoleInItsQuery on the route).
        var found = await services.Reader.FindForCallerAsync(http, scope, fileId, versionId);
        if (scope.Admit(http, found?.Role) is { } refused)
            return refused;
        if (found!.File is not { } file)
            return FileNotFound(fileId.ToString());
        if (file.DeletedAt is not null)
            return FileDeletedProblem(fileId);
        if (found.Version is not { } version)
            return FileReader.VersionNotFound(fileId, versionId);
        if (scope.Role != WorkspaceRole.Owner && version.CreatedById != services.User.GetCaller().Id)
            return NotUploader(versionId, scope);

        var outcome = await services.Lifecycle.CompleteAsync(version, BlobNames.For(scope.OrganizationId, scope.WorkspaceId, fileId, versionId), toldCommitted: true, ct);
        if (outcome == CompletionOutcome.NotCommitted)
            return Problems.Create(StatusCodes.Status409Conflict, Problems.VersionNotCommitted, "The upload is not committed.",
                $"No committed blob exists for version {versionId}: finish the upload with Put Blob or Put Block List, then call this again.");
        if (outcome == CompletionOutcome.VerificationInProgress && !await services.Reader.WaitUntilFinishedAsync(fileId, versionId, services.Options.Value.CompletionWait, ct))
        {
            services.Http.Response.Headers.RetryAfter = "2";
            return TypedResults.Accepted(services.Links.Self(services.Http.Request, scope, fileId, versionId),
                new VerificationAccepted(fileId, FileReader.Format(versionId), VerificationAccepted.Verifying));
        }

        // Completion changes only the version; the file row read above is still current for describing it. A version made
        // ready here holds what readiness wrote, so it is described as it is, without reading it again.
        var madeReady = outcome == CompletionOutcome.MarkedReady;
        var described = await services.Reader.DescribeAsync(http, scope, file, ParsedFileQuery.Version(versionId), ct,
            loaded: madeReady ? new FileWithVersion(file, version) : null, sealedJustNow: madeReady);
        return described.Result is Ok<FileResponse> ready ? ready : (ProblemHttpResult)described.Result;
    }

    /// <summary>Gives up an upload: uploading → failed (aborted), blocks dropped. Idempotent; a ready version is history (409).</summary>
    static async Task<Results<NoContent, ProblemHttpResult>> Abort(string file_id, string version_id, [AsParameters] FileHandlerServices services)
    {
        if (!TryParseFileId(file_id, out var fileId, out var problem) || !FileQuery.TryParseVersionId(version_id, out var parsedVersionId, out problem))
            return problem;
        var versionId = parsedVersionId!.Value;
        var outcome = await services.Lifecycle.AbortAsync(services.Scope, fileId, versionId, services.User.GetCaller(), services.Cancellation);
        return outcome switch
        {
            TransitionOutcome.Done or TransitionOutcome.AlreadyFailed => TypedResults.NoContent(),
            TransitionOutcome.VersionNotFound => FileReader.VersionNotFound(fileId, versionId),
            TransitionOutcome.NotUploader => NotUploader(versionId, services.Scope),
            _ => Problems.Create(StatusCodes.Status409Conflict, Problems.VersionNotUploading, "The version is not uploading.",
                $"Version {versionId} is ready; versions are history. To remove the file, send DELETE on the file."),
        };
    }

    static async Task<Results<Ok<FileResponse>, ProblemHttpResult>> GetByPath(string file_path, [AsParameters] FileQuery query, [AsParameters] FileHandlerServices services)
    {
        if (!FilePath.TryParse(file_path, out var path, out var pathError))
            return InvalidPath(pathError);
        if (!query.TryParse(services.Options.Value, out var parsed, out var problem))
            return problem;

        // A path names the live file; with deleted=true, the one most recently deleted there.
        var candidates = services.Db.Files.AsNoTracking().Where(f => f.WorkspaceId == services.Scope.WorkspaceId && f.PathKey == path.Key);
        var file = parsed.Deleted == true
            ? await candidates.Where(f => f.DeletedAt != null).OrderByDescending(f => f.DeletedAt).FirstOrDefaultAsync(services.Cancellation)
            : await candidates.FirstOrDefaultAsync(f => f.DeletedAt == null, services.Cancellation);
        return file is null
            ? FileNotFound(path.Value)
            : await services.Reader.DescribeAsync(services.Http, services.Scope, file, parsed, services.Cancellation);
    }

    static async Task<Results<Ok<FileResponse>, ProblemHttpResult>> GetById(string file_id, [AsParameters] FileQuery query, [AsParameters] FileReadServices services)
    {
        var (http, scope) = (services.Http, services.Scope);
        // A malformed request is answered only to a caller with a role, as on every other workspace route.
        if (!TryParseFileId(file_id, out var fileId, out var problem) || !query.TryParse(services.Options.Value, out var parsed, out problem))
            return scope.Admit(http, await WorkspaceScopeFilter.RoleOfCallerAsync(http, scope.OrganizationId, scope.WorkspaceId)) ?? problem;

        // The poll's one round trip: membership, file and version together (see ReadsWorkspaceRoleInItsQuery on the route).
        var found = await services.Reader.FindForCallerAsync(http, scope, fileId, parsed.VersionId);
        if (scope.Admit(http, found?.Role) is { } refused)
            return refused;
        if (found!.File is not { } file)
            return FileNotFound(fileId.ToString());
        if (file.DeletedAt is not null && parsed.Deleted != true)
            return FileDeletedProblem(fileId);
        return await services.Reader.DescribeAsync(http, scope, file, parsed, services.Cancellation, new FileWithVersion(file, found.Version));
    }

    static async Task<Results<NoContent, ProblemHttpResult>> DeleteByPath(string file_path, [AsParameters] FileHandlerServices services)
    {
        if (!FilePath.TryParse(file_path, out var path, out var pathError))
            return InvalidPath(pathError);
        var atPath = services.Db.Files.Where(f => f.WorkspaceId == services.Scope.WorkspaceId && f.PathKey == path.Key);
        if (await services.Lifecycle.DeleteFileAsync(atPath, services.User.GetCaller(), services.Cancellation))
            return TypedResults.NoContent();
        // A file already deleted at that path: a retried DELETE is harmless.
        return await atPath.AnyAsync(services.Cancellation) ? TypedResults.NoContent() : FileNotFound(path.Value);
    }

    static async Task<Results<NoContent, ProblemHttpResult>> DeleteById(string file_id, [AsParameters] FileHandlerServices services)
    {
        if (!TryParseFileId(file_id, out var fileId, out var problem))
            return problem;
        var files = services.Db.Files.Where(f => f.Id == fileId && f.WorkspaceId == services.Scope.WorkspaceId);
        if (await services.Lifecycle.DeleteFileAsync(files, services.User.GetCaller(), services.Cancellation))
            return TypedResults.NoContent();
        // Deleting what is already deleted changes nothing and succeeds, so a retried DELETE is harmless.
        return await files.AnyAsync(services.Cancellation) ? TypedResults.NoContent() : FileNotFound(fileId.ToString());
    }

    /// <summary>Why a file id took no new version: it is not in the workspace, or it was deleted.</summary>
    static async Task<ProblemHttpResult> FileGoneAsync(Guid fileId, FileHandlerServices services) =>
        await services.Db.Files.AnyAsync(f => f.Id == fileId && f.WorkspaceId == services.Scope.WorkspaceId, services.Cancellation)
            ? FileDeletedProblem(fileId)
            : FileNotFound(fileId.ToString());

    static ProblemHttpResult NotUploader(long versionId, WorkspaceScope scope) =>
        Problems.Create(StatusCodes.Status403Forbidden, Problems.Forbidden, "Only the uploader or an owner may change this upload.",
            $"Version {versionId} was registered by someone else; only they or a workspace owner may renew, complete or abort it.",
            new Dictionary<string, object?>
            {
                ["permitted_roles"] = new[] { RoleNames.Format(WorkspaceRole.Owner) },
                ["your_role"] = RoleNames.Format(scope.Role),
            });

    internal static bool TryReadDeclaration(RegisterRequest? request, FilesOptions options, out RegisterRequest declaration, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ProblemHttpResult? problem)
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
        if (problem is not null
            || !VersionMetadata.TryParseContentType(declaration.ContentType, out var contentType, out problem)
            || !VersionMetadata.TryParse(declaration.Metadata, out var metadata, out problem))
            return false;
        declaration = declaration with { ContentSha256 = declaration.ContentSha256?.ToLowerInvariant(), ContentType = contentType, Metadata = metadata };
        return true;
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

    internal static ProblemHttpResult FileDeletedProblem(Guid fileId) =>
        Problems.Create(StatusCodes.Status410Gone, Problems.FileDeleted, "The file was deleted.",
            $"File {fileId} was deleted. An owner can restore it with PUT ...?deleted=false; GET with deleted=true shows it.");
}

/// <summary>What file handlers need besides their route and query values, bound with [AsParameters].</summary>
public sealed record FileHandlerServices(
    WorkspaceScope Scope, ClaimsPrincipal User, FileApiDb Db, VersionLifecycle Lifecycle, FileReader Reader, FileLinks Links,
    IOptions<FilesOptions> Options, HttpContext Http, CancellationToken Cancellation);

/// <summary>What a GET by id needs: fewer services than <see cref="FileHandlerServices"/>, as the poll builds them on every request.</summary>
public sealed record FileReadServices(WorkspaceScope Scope, FileReader Reader, IOptions<FilesOptions> Options, HttpContext Http, CancellationToken Cancellation);

/// <summary>Body of a 202 from <c>complete</c>: the version is being verified; GET its Location (with wait=) for the outcome.</summary>
public sealed record VerificationAccepted(Guid FileId, string VersionId, string State)
{
    public const string Verifying = "verifying";
}
