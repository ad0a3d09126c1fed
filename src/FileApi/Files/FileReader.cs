using System.Globalization;
using FileApi.Auth;
using FileApi.Data;
using FileApi.Http;
using FileApi.Storage;
using FileApi.Workspaces;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace FileApi.Files;

public sealed record FileWithVersion(StoredFile File, FileVersion? Version);

/// <summary>A caller's role in a workspace, with the file asked for and its version when they exist.</summary>
public sealed record CallerFileWithVersion(WorkspaceRole Role, StoredFile? File, FileVersion? Version);

/// <summary>Turns a file and one of its versions into the answer of a GET, with its download link.</summary>
public sealed class FileReader(FileApiDb db, FileLinks links, BlobStorage storage, VersionWaiters waiters, TimeProvider clock)
{
    /// <summary>
    /// Waits up to <paramref name="wait"/> for a version to leave uploading, woken when it finishes in this instance
    /// or when <see cref="WaitedVersionPoller"/> sees another instance finish it. True when it has.
    /// </summary>
    public async Task<bool> WaitUntilFinishedAsync(Guid fileId, long versionId, TimeSpan wait, CancellationToken ct)
    {
        // Listening before the first read means a version finishing in between still wakes us.
        var finished = waiters.WhenFinished(fileId, versionId);
        try
        {
            var version = await FindVersionAsync(fileId, versionId, ct);
            if (version is not { Status: VersionStatus.Uploading })
                return true;
            await Task.WhenAny(finished, Task.Delay(wait, clock, ct));
            ct.ThrowIfCancellationRequested();
            version = await FindVersionAsync(fileId, versionId, ct);
            return version is not { Status: VersionStatus.Uploading };
        }
        finally
        {
            waiters.Forget(fileId, versionId);
        }
    }

    /// <summary>
    /// For a GET by id, in one round trip: the caller's role in the workspace (null without one: then nothing else is read),
    /// the file when it is in the workspace, and the version asked for (else the current one). Compiled, as every poll runs it.
    /// </summary>
    public Task<CallerFileWithVersion?> FindForCallerAsync(HttpContext http, WorkspaceScope scope, Guid fileId, long? requestedVersionId)
    {
        var caller = http.User.GetCaller();
        return CallerFileWithVersionQuery.For(db)(db, scope.WorkspaceId, scope.OrganizationId, caller.TenantId ?? "", caller.Id, fileId, requestedVersionId, http.RequestAborted);
    }

    static readonly CompiledQuery<Func<FileApiDb, Guid, Guid, string, string, Guid, long?, CancellationToken, Task<CallerFileWithVersion?>>> CallerFileWithVersionQuery = new(() => EF.CompileAsyncQuery(
        (FileApiDb db, Guid workspaceId, Guid organizationId, string tenantId, string userId, Guid fileId, long? requestedVersionId, CancellationToken ct) => (
            from member in db.WorkspaceMembers.AsNoTracking()
            join workspace in db.Workspaces.AsNoTracking() on member.WorkspaceId equals workspace.Id
            where member.WorkspaceId == workspaceId && workspace.OrganizationId == organizationId
                && member.TenantId == tenantId && member.UserId == userId
            // Left joins on primary keys: the membership row decides, the file and its version come along when they exist.
            join f in db.Files.AsNoTracking() on new { member.WorkspaceId, Id = fileId } equals new { f.WorkspaceId, f.Id } into files
            from f in files.DefaultIfEmpty()
            join v in db.FileVersions.AsNoTracking()
                on new { FileId = f!.Id, VersionId = requestedVersionId ?? f.CurrentVersionId } equals new { v.FileId, VersionId = (long?)v.VersionId } into versions
            from v in versions.DefaultIfEmpty()
            select new CallerFileWithVersion(member.Role, f, v)).FirstOrDefault()));

    /// <param name="loaded">The version as read with the file, when it was; it serves unless the query waits (then it is read again).</param>
    /// <param name="sealedJustNow">
    /// The caller made the version ready in this request, on the etag its seal was acquired on moments ago: storage is not asked
    /// again for it (a link holder breaking the seal right after this answer is caught by the next read either way).
    /// </param>
    public async Task<Results<Ok<FileResponse>, ProblemHttpResult>> DescribeAsync(HttpContext http, WorkspaceScope scope, StoredFile file,
        ParsedFileQuery query, CancellationToken ct, FileWithVersion? loaded = null, bool sealedJustNow = false)
    {
        FileVersion? version;
        var preloaded = loaded is not null && query.Wait == TimeSpan.Zero;
        if (query.VersionId is { } requested)
        {
            if (query.Wait > TimeSpan.Zero && await WaitAdmittedAsync(http, file.Id, requested, query.Wait, ct) is { } refused)
                return refused;
            version = preloaded ? loaded!.Version : await FindVersionAsync(file.Id, requested, ct);

            switch (version?.Status)
            {
                case null:
                    return VersionNotFound(file.Id, requested);
                case VersionStatus.Uploading:
                    http.Response.Headers.RetryAfter = "1";
                    return Problems.Create(StatusCodes.Status409Conflict, Problems.VersionNotReady, "The version is still uploading.",
                        $"Version {requested} has been registered but its upload has not finished. Try again shortly.",
                        new Dictionary<string, object?> { ["version_status"] = "uploading", ["upload_expires_at"] = version.UploadExpiresAt });
                case VersionStatus.Failed:
                    return Problems.Create(StatusCodes.Status409Conflict, Problems.VersionFailed, "The version failed.",
                        $"Version {requested} will never become ready: {version.FailureReason}.",
                        new Dictionary<string, object?> { ["version_status"] = "failed", ["reason"] = version.FailureCode ?? "unspecified" });
            }
        }
        else
        {
            version = preloaded ? loaded!.Version
                : file.CurrentVersionId is { } current ? await FindVersionAsync(file.Id, current, ct) : null;
            if (version is null)
                return Problems.NotFound(Problems.FileNotFound, "File not found.", $"The file {file.Folder}{file.Name} has no finished upload yet.");
        }

        if (!sealedJustNow && !await StillHoldsCommittedBytesAsync(scope, file, version, ct))
            return Problems.Create(StatusCodes.Status409Conflict, Problems.VersionContentChanged, "The version's bytes were changed.",
                $"The stored bytes of version {version.VersionId} changed after it became ready, so they are not served. Upload it again as a new version.");

        List<VersionResponse>? versions = null;
        if (query.IncludeVersions)
        {
            var ready = await db.FileVersions.AsNoTracking()
                .Where(v => v.FileId == file.Id && v.Status == VersionStatus.Ready)
                .OrderByDescending(v => v.VersionId)
                .Take(query.VersionsLimit)
                .ToListAsync(ct);
            versions = ready.Select(v => new VersionResponse(Format(v.VersionId), file.Id, file.Name, file.Folder, v.Size ?? 0, v.CreatedAt,
                CreatorOf(v), links.Self(http.Request, scope, file.Id, v.VersionId),
                VersionMetadata.ServedContentType(v.ContentType), VersionMetadata.Answered(v.Metadata))).ToList();
        }

        return TypedResults.Ok(new FileResponse(
            file.Name,
            file.Folder,
            file.Id,
            Format(version.VersionId),
            version.Size ?? 0,
            version.ETag ?? "",
            file.CreatedAt,
            new UserResponse(file.CreatedById, file.CreatedByName, file.CreatedByEmail),
            version.CreatedAt,
            CreatorOf(version),
            await links.DownloadAsync(scope, file, version, ct),
            links.Self(http.Request, scope, file.Id, version.VersionId),
            VersionMetadata.ServedContentType(version.ContentType),
            VersionMetadata.Answered(version.Metadata),
            versions,
            file.DeletedAt,
            file.DeletedById is null ? null : new UserResponse(file.DeletedById, file.DeletedByName, file.DeletedByEmail)));
    }

    /// <summary>
    /// Holds a long-poll only within the caps (each one keeps a request open for up to a minute): a caller over its
    /// own share gets 429, an instance over its total 503, both with Retry-After so a client backs off. Null when waited.
    /// </summary>
    async Task<ProblemHttpResult?> WaitAdmittedAsync(HttpContext http, Guid fileId, long versionId, TimeSpan wait, CancellationToken ct)
    {
        var callerId = http.User.GetCaller().Id;
        switch (waiters.TryAdmitPoll(callerId))
        {
            case WaitAdmission.CallerAtLimit:
                http.Response.Headers.RetryAfter = "1";
                return Problems.Create(StatusCodes.Status429TooManyRequests, Problems.TooManyWaits, "Too many waiting requests.",
                    "You already hold as many waiting polls (wait=) as one caller may. Wait for one to answer, or poll without wait.");
            case WaitAdmission.InstanceAtLimit:
                http.Response.Headers.RetryAfter = "1";
                return Problems.Create(StatusCodes.Status503ServiceUnavailable, Problems.WaitsUnavailable, "No room for another waiting request.",
                    "This instance holds as many waiting polls (wait=) as it may. Try again shortly, or poll without wait.");
        }
        try
        {
            await WaitUntilFinishedAsync(fileId, versionId, wait, ct);
            return null;
        }
        finally
        {
            waiters.ReleasePoll(callerId);
        }
    }

    /// <summary>
    /// The download link is pinned to a read-only copy taken at readiness: the blob version with blob versioning (Azure),
    /// else the snapshot taken with the seal (Azurite). Either way its bytes are the verified ones, even if a still-valid
    /// upload link breaks the seal and writes the blob again, so storage is not asked. Only a version with neither (made
    /// ready before snapshots, or whose snapshot could not be taken) relies on the seal alone; as an upload link may break a
    /// lease, storage is asked (the etag) until every link of the version has expired, and never after. A version made ready
    /// before sealing existed is checked on every read until the reconciler has sealed it.
    /// </summary>
    async Task<bool> StillHoldsCommittedBytesAsync(WorkspaceScope scope, StoredFile file, FileVersion version, CancellationToken ct)
    {
        if (version.BlobVersionId is not null || version.BlobSnapshot is not null)
            return true;
        if (version.SealLeaseId is not null && version.UploadExpiresAt + UploadLinkClockSkew < clock.GetUtcNow())
            return true;
        var blobName = BlobNames.For(scope.OrganizationId, scope.WorkspaceId, file.Id, version.VersionId);
        var properties = await storage.GetPropertiesAsync(blobName, ct);
        return properties is not null && properties.ETag == version.ETag;
    }

    /// <summary>How far storage's clock may run behind ours when it judges an upload link's expiry.</summary>
    static readonly TimeSpan UploadLinkClockSkew = TimeSpan.FromMinutes(5);

    Task<FileVersion?> FindVersionAsync(Guid fileId, long versionId, CancellationToken ct) =>
        db.FileVersions.AsNoTracking().FirstOrDefaultAsync(v => v.FileId == fileId && v.VersionId == versionId, ct);

    static UserResponse CreatorOf(FileVersion version) => new(version.CreatedById, version.CreatedByName, version.CreatedByEmail);

    public static string Format(long versionId) => versionId.ToString(CultureInfo.InvariantCulture);

    public static ProblemHttpResult VersionNotFound(Guid fileId, long versionId) =>
        Problems.NotFound(Problems.VersionNotFound, "Version not found.", $"File {fileId} has no version {versionId}.");
}
