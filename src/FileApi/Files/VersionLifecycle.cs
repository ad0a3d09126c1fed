using System.Security.Cryptography;
using FileApi.Auth;
using FileApi.Data;
using FileApi.Notifications;
using FileApi.Storage;
using FileApi.Workspaces;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FileApi.Files;

public enum CompletionOutcome
{
    MarkedReady,
    AlreadyReady,
    Failed,
    NotCommitted,
    VerificationInProgress,
    UnknownBlob,
}

/// <summary>The answer of a transition a user asked for, when it did not simply happen.</summary>
public enum TransitionOutcome
{
    Done,
    VersionNotFound,
    NotUploader,
    NotUploading,
    AlreadyFailed,
}

public enum RestoreOutcome
{
    Restored,
    NotDeleted,
    PathTaken,
}

/// <summary>Stable codes for why a version failed, answered as <c>reason</c> in version-failed problems.</summary>
public static class FailureCodes
{
    public const string Aborted = "aborted";
    public const string Expired = "expired";
    public const string TooLarge = "too-large";
    public const string SizeMismatch = "size-mismatch";
    public const string Md5Mismatch = "md5-mismatch";
    public const string Sha256Mismatch = "sha256-mismatch";
    public const string ImportFailed = "import-failed";
    public const string QuotaExceeded = "quota-exceeded";
}

public sealed record AllocatedVersion(Guid FileId, long VersionId);

/// <summary>Where an imported version's bytes come from (see <c>Imports.FileImporter</c>).</summary>
public sealed record ImportSource(Uri Url, long? Size);

/// <summary>
/// Every change of a version's state, and of a file's deletion, happens here and nowhere else. Each
/// transition is one conditional statement whose predicate names everything it depends on (status, expiry,
/// claim, uploader, deletion), so its row count is the answer and concurrent transitions cannot both win.
/// Endpoints, the webhook, the verification worker and the reconciler only call these.
/// Size and etag come from the blob service, never from a notification, which can be stale or reordered.
/// A transition that webhooks report writes its event to the outbox in its own transaction (<see cref="WithEventAsync"/>).
/// </summary>
public sealed class VersionLifecycle(
    FileApiDb db, BlobStorage storage, VersionWaiters waiters, VerificationQueue queue, VerificationHooks hooks, WebhookOutbox outbox,
    IOptions<FilesOptions> options, IOptions<LifecycleOptions> lifecycleOptions, TimeProvider clock, ILogger<VersionLifecycle> logger)
{
    /// <summary>What completion answers for a version it need not touch (unknown, ready or failed); null while it is uploading.</summary>
    internal static CompletionOutcome? SettledOutcome(VersionStatus? status) => status switch
    {
        null => CompletionOutcome.UnknownBlob,
        VersionStatus.Ready => CompletionOutcome.AlreadyReady,
        VersionStatus.Failed => CompletionOutcome.Failed,
        _ => null,
    };

    const string UploadingStatus = nameof(VersionStatus.Uploading);

    // ---- register and renew (uploader) -------------------------------------------------------------------

    /// <summary>
    /// Creates the file at a path or bumps its version counter, and inserts the uploading version, in one
    /// statement: concurrent first uploads to one path agree on one file and get distinct, increasing ids.
    /// Null when a file and a folder would share the name (<see cref="ClaimPathAsync"/>).
    /// </summary>
    public Task<AllocatedVersion?> RegisterAtPathAsync(
        WorkspaceScope scope, FilePath path, CallerIdentity caller, RegisterRequest declaration, DateTimeOffset uploadExpiresAt, CancellationToken ct) =>
        RegisterAtPathAsync(scope, path, caller, declaration, uploadExpiresAt, importFrom: null, ct);

    /// <summary>Registers as above; with <paramref name="importFrom"/>, the import job is recorded in the same transaction.</summary>
    public async Task<AllocatedVersion?> RegisterAtPathAsync(WorkspaceScope scope, FilePath path, CallerIdentity caller, RegisterRequest declaration,
        DateTimeOffset uploadExpiresAt, ImportSource? importFrom, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        using var span = Telemetry.FileApiTelemetry.StartRegistration();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (!await ClaimPathAsync(scope, path, ct))
            return null;
        var allocated = Registered((await db.Database.SqlQuery<AllocatedVersion>($"""
            WITH allocated AS (
                INSERT INTO files (id, workspace_id, folder, name, path_key, latest_version_id, created_at, created_by_id, created_by_name, created_by_email)
                VALUES ({Guid.CreateVersion7(now)}, {scope.WorkspaceId}, {path.Folder}, {path.Name}, {path.Key}, {VersionIds.Candidate(now)}, {now},
                        {caller.Id}, CAST({caller.Name} AS varchar), CAST({caller.Email} AS varchar))
                ON CONFLICT (workspace_id, path_key) WHERE deleted_at IS NULL
                DO UPDATE SET latest_version_id = GREATEST(EXCLUDED.latest_version_id, files.latest_version_id + {VersionIds.Step})
                RETURNING id, latest_version_id)
            INSERT INTO file_versions (file_id, version_id, status, created_at, created_by_id, created_by_name, created_by_email,
                                       upload_expires_at, declared_size, declared_md5, declared_sha256, content_type, metadata)
            SELECT id, latest_version_id, {UploadingStatus}, timestamptz 'epoch' + (latest_version_id / {VersionIds.Step}) * interval '1 microsecond',
                   {caller.Id}, CAST({caller.Name} AS varchar), CAST({caller.Email} AS varchar), {uploadExpiresAt},
                   CAST({declaration.Size} AS bigint), CAST({declaration.ContentMd5} AS varchar), CAST({declaration.ContentSha256} AS varchar),
                   CAST({declaration.ContentType} AS varchar), CAST({MetadataJson(declaration)} AS text)
              FROM allocated
            RETURNING file_id AS "FileId", version_id AS "VersionId"
            """).ToListAsync(ct)).Single());
        if (importFrom is not null)
        {
            db.FileImports.Add(new FileImport
            {
                FileId = allocated.FileId, VersionId = allocated.VersionId, OrganizationId = scope.OrganizationId, WorkspaceId = scope.WorkspaceId,
                SourceUrl = importFrom.Url.AbsoluteUri, Size = importFrom.Size, CreatedAt = now, NextAttemptAt = now,
            });
            await db.SaveChangesAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return allocated;
    }

    /// <summary>
    /// The one place that keeps a file and a folder from sharing a name (a synced Windows or macOS folder cannot
    /// hold both): false when a live file is an ancestor of <paramref name="path"/> ("x" for "x/y.txt") or lives
    /// under it ("x/y.txt" for "x"). The unique index cannot see that, so within the caller's transaction each
    /// ancestor's key is locked shared and the path's own key exclusive: a file "x" and a file "x/y.txt" meet on
    /// the key of "x" and so are decided one after the other, while files side by side in a folder never wait.
    /// </summary>
    async Task<bool> ClaimPathAsync(WorkspaceScope scope, FilePath path, CancellationToken ct)
    {
        var segments = path.Key.Split('/');
        var ancestors = Enumerable.Range(1, segments.Length - 1).Select(n => string.Join('/', segments[..n])).ToList();
        // All ancestors in one round trip, top-down (the order every registration takes them in), then the path itself.
        if (ancestors.Count > 0)
        {
            var ancestorKeys = ancestors.Select(ancestor => PathLockKey(scope, ancestor)).ToArray();
            await db.Database.ExecuteSqlAsync(
                $"SELECT count(pg_advisory_xact_lock_shared(hashtextextended(k, 0))) FROM unnest({ancestorKeys}) AS k", ct);
        }
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({PathLockKey(scope, path.Key)}, 0))", ct);

        var under = path.Key + "/";
        return !await db.Files.AnyAsync(f => f.WorkspaceId == scope.WorkspaceId && f.DeletedAt == null
            && (ancestors.Contains(f.PathKey) || f.PathKey.StartsWith(under)), ct);
    }

    static string PathLockKey(WorkspaceScope scope, string pathKey) => $"path:{scope.WorkspaceId}:{pathKey}";

    /// <summary>A new uploading version of a live file, in one statement; null when the file is not live in the workspace.</summary>
    public async Task<AllocatedVersion?> RegisterForFileAsync(
        WorkspaceScope scope, Guid fileId, CallerIdentity caller, RegisterRequest declaration, DateTimeOffset uploadExpiresAt, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        using var span = Telemetry.FileApiTelemetry.StartRegistration();
        var allocated = (await db.Database.SqlQuery<AllocatedVersion>($"""
            WITH allocated AS (
                UPDATE files SET latest_version_id = GREATEST({VersionIds.Candidate(now)}, latest_version_id + {VersionIds.Step})
                 WHERE id = {fileId} AND workspace_id = {scope.WorkspaceId} AND deleted_at IS NULL
                RETURNING id, latest_version_id)
            INSERT INTO file_versions (file_id, version_id, status, created_at, created_by_id, created_by_name, created_by_email,
                                       upload_expires_at, declared_size, declared_md5, declared_sha256, content_type, metadata)
            SELECT id, latest_version_id, {UploadingStatus}, timestamptz 'epoch' + (latest_version_id / {VersionIds.Step}) * interval '1 microsecond',
                   {caller.Id}, CAST({caller.Name} AS varchar), CAST({caller.Email} AS varchar), {uploadExpiresAt},
                   CAST({declaration.Size} AS bigint), CAST({declaration.ContentMd5} AS varchar), CAST({declaration.ContentSha256} AS varchar),
                   CAST({declaration.ContentType} AS varchar), CAST({MetadataJson(declaration)} AS text)
              FROM allocated
            RETURNING file_id AS "FileId", version_id AS "VersionId"
            """).ToListAsync(ct)).SingleOrDefault();
        return allocated is null ? null : Registered(allocated);
    }

    static string? MetadataJson(RegisterRequest declaration) =>
        declaration.Metadata is { Count: > 0 } metadata ? VersionMetadata.Serialize(metadata) : null;

    static AllocatedVersion Registered(AllocatedVersion allocated)
    {
        Telemetry.FileApiTelemetry.VersionRegistered(allocated.FileId, allocated.VersionId);
        return allocated;
    }

    /// <summary>
    /// Extends the link of a version still uploading and not abandoned, for its uploader or an owner. Expiry
    /// fails only versions whose link is past the same cutoff, so a renewal and an expiry never both win.
    /// </summary>
    public async Task<TransitionOutcome> RenewAsync(
        WorkspaceScope scope, Guid fileId, long versionId, CallerIdentity caller, DateTimeOffset uploadExpiresAt, CancellationToken ct)
    {
        var abandonedBefore = AbandonedBefore();
        var isOwner = scope.Role == WorkspaceRole.Owner;
        var renewed = await db.FileVersions
            .Where(v => v.FileId == fileId && v.VersionId == versionId && v.Status == VersionStatus.Uploading
                && v.UploadExpiresAt >= abandonedBefore
                && (isOwner || v.CreatedById == caller.Id)
                && db.Files.Any(f => f.Id == v.FileId && f.WorkspaceId == scope.WorkspaceId && f.DeletedAt == null))
            .ExecuteUpdateAsync(set => set.SetProperty(v => v.UploadExpiresAt, uploadExpiresAt), ct);
        return renewed == 1 ? TransitionOutcome.Done : await ExplainAsync(scope, fileId, versionId, caller, ct);
    }

    // ---- abort (uploader) ---------------------------------------------------------------------------------

    /// <summary>
    /// Gives up an upload for good: the version fails with <see cref="FailureCodes.Aborted"/> and its blocks are
    /// dropped. Aborting a failed version again only repeats the cleanup, so a retried DELETE is harmless.
    /// </summary>
    public async Task<TransitionOutcome> AbortAsync(WorkspaceScope scope, Guid fileId, long versionId, CallerIdentity caller, CancellationToken ct)
    {
        var isOwner = scope.Role == WorkspaceRole.Owner;
        var aborted = await WithEventAsync(FileEventTypes.VersionFailed, fileId, versionId, ct, () => db.FileVersions
            .Where(v => v.FileId == fileId && v.VersionId == versionId && v.Status == VersionStatus.Uploading
                && (isOwner || v.CreatedById == caller.Id)
                && db.Files.Any(f => f.Id == v.FileId && f.WorkspaceId == scope.WorkspaceId))
            .ExecuteUpdateAsync(set => set
                .SetProperty(v => v.Status, VersionStatus.Failed)
                .SetProperty(v => v.FailureCode, FailureCodes.Aborted)
                .SetProperty(v => v.FailureReason, "the upload was aborted")
                .SetProperty(v => v.VerificationOwner, (string?)null)
                .SetProperty(v => v.VerificationToken, (Guid?)null)
                .SetProperty(v => v.VerificationClaimedAt, (DateTimeOffset?)null), ct));

        var outcome = aborted == 1 ? TransitionOutcome.Done : await ExplainAsync(scope, fileId, versionId, caller, ct);
        if (outcome is TransitionOutcome.Done or TransitionOutcome.AlreadyFailed)
        {
            if (aborted == 1)
            {
                waiters.Finished(fileId, versionId);
                Telemetry.FileApiTelemetry.VersionFailed(FailureCodes.Aborted);
                logger.LogInformation("Version {VersionId} of file {FileId} was aborted by {UserId}", versionId, fileId, caller.Id);
            }
            await DropBlobAsync(BlobNames.For(scope.OrganizationId, scope.WorkspaceId, fileId, versionId), ct);
        }
        return outcome;
    }

    /// <summary>Why a user's transition on a version matched no row.</summary>
    async Task<TransitionOutcome> ExplainAsync(WorkspaceScope scope, Guid fileId, long versionId, CallerIdentity caller, CancellationToken ct)
    {
        var version = await db.FileVersions.AsNoTracking()
            .Where(v => v.FileId == fileId && v.VersionId == versionId && db.Files.Any(f => f.Id == v.FileId && f.WorkspaceId == scope.WorkspaceId))
            .Select(v => new { v.Status, v.CreatedById }).FirstOrDefaultAsync(ct);
        if (version is null)
            return TransitionOutcome.VersionNotFound;
        if (scope.Role != WorkspaceRole.Owner && version.CreatedById != caller.Id)
            return TransitionOutcome.NotUploader;
        return version.Status == VersionStatus.Failed ? TransitionOutcome.AlreadyFailed : TransitionOutcome.NotUploading;
    }

    // ---- completion and verification (uploader, Event Grid, reconciler) ------------------------------------

    /// <summary>
    /// Finishes a version once its blob is committed. Any number of calls in any order leave one outcome. A blob
    /// that breaks the declared size or the size limit fails at once; declared checksums mean reading the bytes,
    /// which the verification worker does in the background, so the caller hears "in progress" and may hang up.
    /// </summary>
    public async Task<CompletionOutcome> CompleteAsync(string blobName, CancellationToken ct)
    {
        if (!BlobNames.TryParse(blobName, out var blob))
            return CompletionOutcome.UnknownBlob;
        using var span = Telemetry.FileApiTelemetry.StartCompletion(blob.FileId, blob.VersionId);
        var version = await FindAsync(blob, ct);
        if (SettledOutcome(version?.Status) is { } settled)
            return settled;

        var properties = await storage.GetPropertiesAsync(blobName, ct);
        if (properties is null)
            return CompletionOutcome.NotCommitted;
        if (SizeProblem(version!, properties) is { } sizeProblem)
            return await FailAsync(version!, blobName, sizeProblem.Code, sizeProblem.Reason, claim: null, ct);
        if (version!.DeclaredMd5 is null && version.DeclaredSha256 is null)
            return await MarkReadyAsync(version, blobName, properties, Verified(version, hashed: []), claim: null, ct);

        if (!queue.TryEnqueue(blobName))
            logger.LogWarning("The verification queue is full; version {VersionId} of file {FileId} is left to the reconciler", blob.VersionId, blob.FileId);
        return CompletionOutcome.VerificationInProgress;
    }

    /// <summary>
    /// Hashes a committed blob under an owned claim and finishes the version. Runs in the verification worker on
    /// the app's token, so no caller's hang-up can lose the result. The claim is renewed while the hash lasts; if
    /// it is lost anyway (this instance stalled past the timeout and another took over), the hash stops, so two
    /// verifications of one blob never run at once.
    /// </summary>
    public async Task VerifyAsync(string blobName, CancellationToken ct)
    {
        if (!BlobNames.TryParse(blobName, out var blob) || await FindAsync(blob, ct) is not { Status: VersionStatus.Uploading } version)
            return;
        var properties = await storage.GetPropertiesAsync(blobName, ct);
        if (properties is null)
            return;
        if (SizeProblem(version, properties) is { } sizeProblem)
        {
            await FailAsync(version, blobName, sizeProblem.Code, sizeProblem.Reason, claim: null, ct);
            return;
        }

        var claim = Guid.NewGuid();
        if (!await ClaimAsync(version, claim, ct))
            return; // another run holds a live claim; it finishes the version

        using var claimLost = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var hashingDone = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(version, claim, claimLost, hashingDone.Token);
        ContentHashes? hashes;
        try
        {
            await hooks.BeforeHashAsync(blobName, claimLost.Token);
            hashes = await storage.HashAsync(blobName, properties.ETag, md5: version.DeclaredMd5 is not null, sha256: version.DeclaredSha256 is not null, claimLost.Token);
        }
        catch (StorageRequestException changed) when (changed.Status == StatusCodes.Status412PreconditionFailed)
        {
            hashes = null; // it changed while we read it; the commit that changed it brings its own notice
        }
        catch (OperationCanceledException) when (claimLost.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            logger.LogWarning("Lost the verification claim on version {VersionId} of file {FileId}; another run finishes it", version.VersionId, version.FileId);
            return;
        }
        catch
        {
            // A failed or interrupted read must not hold the claim until it times out: the next try may start at once.
            await StopAsync(hashingDone, heartbeat);
            await ReleaseAsync(version, claim);
            throw;
        }
        await StopAsync(hashingDone, heartbeat);

        if (hashes is null)
        {
            await ReleaseAsync(version, claim);
            return;
        }
        // Whatever happens to the app from here, a finished hash is written.
        if (ChecksumProblem(version, hashes) is { } mismatch)
            await FailAsync(version, blobName, mismatch.Code, mismatch.Reason, claim, CancellationToken.None);
        else
            await MarkReadyAsync(version, blobName, properties, Verified(version, hashed: HashedAlgorithms(version)), claim, CancellationToken.None);
    }

    /// <summary>Takes the claim if nobody holds it or its holder stopped heartbeating.</summary>
    async Task<bool> ClaimAsync(FileVersion version, Guid claim, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var staleBefore = now - options.Value.VerificationTimeout;
        return await db.FileVersions
            .Where(v => v.FileId == version.FileId && v.VersionId == version.VersionId && v.Status == VersionStatus.Uploading
                && (v.VerificationToken == null || v.VerificationClaimedAt == null || v.VerificationClaimedAt < staleBefore))
            .ExecuteUpdateAsync(set => set
                .SetProperty(v => v.VerificationOwner, VerificationQueue.InstanceId)
                .SetProperty(v => v.VerificationToken, claim)
                .SetProperty(v => v.VerificationClaimedAt, now), ct) == 1;
    }

    /// <summary>Renews the claim every third of the timeout until hashing is done; cancels the hash when the claim is gone.</summary>
    async Task HeartbeatAsync(FileVersion version, Guid claim, CancellationTokenSource claimLost, CancellationToken done)
    {
        using var timer = new PeriodicTimer(options.Value.VerificationTimeout / 3, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(done))
            {
                var now = clock.GetUtcNow();
                var renewed = await db.FileVersions
                    .Where(v => v.FileId == version.FileId && v.VersionId == version.VersionId && v.Status == VersionStatus.Uploading && v.VerificationToken == claim)
                    .ExecuteUpdateAsync(set => set.SetProperty(v => v.VerificationClaimedAt, now), done);
                if (renewed == 0)
                {
                    await claimLost.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (done.IsCancellationRequested)
        {
        }
    }

    static async Task StopAsync(CancellationTokenSource hashingDone, Task heartbeat)
    {
        await hashingDone.CancelAsync();
        await heartbeat;
    }

    Task ReleaseAsync(FileVersion version, Guid claim) =>
        db.FileVersions
            .Where(v => v.FileId == version.FileId && v.VersionId == version.VersionId && v.VerificationToken == claim)
            .ExecuteUpdateAsync(set => set
                .SetProperty(v => v.VerificationOwner, (string?)null)
                .SetProperty(v => v.VerificationToken, (Guid?)null)
                .SetProperty(v => v.VerificationClaimedAt, (DateTimeOffset?)null), CancellationToken.None);

    /// <summary>
    /// Uploading → ready, and the file's current version moved to it unless a newer one is ready, in one statement.
    /// With a claim, only its holder may; without, only while no live claim is held. A live file's version becomes ready
    /// only if its bytes fit its workspace's quota; one that does not fails with <see cref="FailureCodes.QuotaExceeded"/>.
    /// </summary>
    async Task<CompletionOutcome> MarkReadyAsync(FileVersion version, string blobName, BlobProperties properties, string? verified, Guid? claim, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var staleBefore = now - options.Value.VerificationTimeout;
        var (claimed, token) = (claim is not null, claim ?? Guid.Empty);
        var overQuota = false;
        var updated = await WithEventAsync(FileEventTypes.VersionReady, version.FileId, version.VersionId, ct, async () =>
        {
            var answer = (await db.Database.SqlQuery<ReadinessAnswer>($"""
                -- The file row is locked first, so readiness, deletion and restore of one file count in usage one after another.
                WITH locked AS (
                    SELECT id, workspace_id, deleted_at, current_version_id FROM files WHERE id = {version.FileId} FOR UPDATE),
                -- A live file's ready bytes count in its workspace's usage, and the file itself with its first ready version,
                -- judged on the file row as locked (the latest committed one). The quota check is the upsert's own predicate:
                -- ON CONFLICT locks the usage row and judges its latest committed bytes, so concurrent readiness in one workspace
                -- is decided one after another and usage never passes the quota. No row back means it did not fit.
                usage AS (
                    INSERT INTO workspace_usage AS u (workspace_id, files, bytes)
                    SELECT locked.workspace_id, CASE WHEN locked.current_version_id IS NULL THEN 1 ELSE 0 END, {properties.ContentLength}
                      FROM locked JOIN workspaces w ON w.id = locked.workspace_id
                     WHERE locked.deleted_at IS NULL AND (w.quota_bytes IS NULL OR {properties.ContentLength} <= w.quota_bytes)
                    ON CONFLICT (workspace_id) DO UPDATE SET files = u.files + EXCLUDED.files, bytes = u.bytes + EXCLUDED.bytes
                     WHERE NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.id = u.workspace_id AND u.bytes + EXCLUDED.bytes > w.quota_bytes)
                    RETURNING u.workspace_id),
                ready AS (
                    UPDATE file_versions
                       SET status = {nameof(VersionStatus.Ready)}, size = {properties.ContentLength}, etag = {properties.ETag},
                           blob_version_id = CAST({properties.VersionId} AS varchar), verified = CAST({verified} AS varchar), ready_at = {now},
                           verification_owner = NULL, verification_token = NULL, verification_claimed_at = NULL
                     WHERE file_id = {version.FileId} AND version_id = {version.VersionId} AND status = {UploadingStatus}
                       AND (({claimed} AND verification_token = {token})
                            OR (NOT {claimed} AND (verification_token IS NULL OR verification_claimed_at < {staleBefore})))
                       AND EXISTS (SELECT 1 FROM locked)
                       -- A deleted file's versions count in nothing until it is restored, so they need no room.
                       AND (EXISTS (SELECT 1 FROM usage) OR EXISTS (SELECT 1 FROM locked WHERE deleted_at IS NOT NULL))
                    RETURNING file_id, version_id, size, created_at),
                current AS (
                    UPDATE files f SET current_version_id = ready.version_id, current_size = ready.size, modified_at = ready.created_at
                      FROM ready
                     WHERE f.id = ready.file_id AND (f.current_version_id IS NULL OR f.current_version_id < ready.version_id)
                    RETURNING f.id)
                SELECT (SELECT count(*) FROM ready)::int AS "Ready",
                       (NOT EXISTS (SELECT 1 FROM usage) AND EXISTS (SELECT 1 FROM locked WHERE deleted_at IS NULL)) AS "OverQuota"
                """).ToListAsync(ct)).Single();
            // Usage counted for a version that did not become ready (it was settled meanwhile) is rolled back with the statement.
            overQuota = answer.OverQuota;
            return answer.Ready;
        });
        if (updated == 0)
            return overQuota ? await FailOverQuotaAsync(version, blobName, properties, claim, ct) : CompletionOutcome.AlreadyReady;

        waiters.Finished(version.FileId, version.VersionId);
        Telemetry.FileApiTelemetry.VersionReady(properties.ContentLength, properties.LastModified, now);
        logger.LogInformation("Version {VersionId} of file {FileId} is ready: {Size} bytes, verified {Verified}",
            version.VersionId, version.FileId, properties.ContentLength, verified ?? "nothing declared");
        return CompletionOutcome.MarkedReady;
    }

    sealed record ReadinessAnswer(int Ready, bool OverQuota);

    /// <summary>
    /// Uploading → failed for a version whose bytes did not fit its workspace's quota when it would have become ready;
    /// its blob is deleted and usage is as it was. Still conditional: a version settled meanwhile keeps its outcome.
    /// </summary>
    async Task<CompletionOutcome> FailOverQuotaAsync(FileVersion version, string blobName, BlobProperties properties, Guid? claim, CancellationToken ct)
    {
        var room = await (
            from file in db.Files
            where file.Id == version.FileId
            join workspace in db.Workspaces on file.WorkspaceId equals workspace.Id
            from usage in db.WorkspaceUsage.Where(u => u.WorkspaceId == workspace.Id).DefaultIfEmpty()
            select new { workspace.QuotaBytes, Bytes = (long?)usage!.Bytes }).FirstAsync(ct);
        var reason = $"the upload is {properties.ContentLength} bytes but the workspace already holds {room.Bytes ?? 0} of its quota of {room.QuotaBytes} bytes";
        return await FailAsync(version, blobName, FailureCodes.QuotaExceeded, reason, claim, ct);
    }

    /// <summary>Uploading → failed for a blob that breaks what was declared; the blob is deleted, it never becomes ready.</summary>
    async Task<CompletionOutcome> FailAsync(FileVersion version, string blobName, string code, string reason, Guid? claim, CancellationToken ct)
    {
        var staleBefore = clock.GetUtcNow() - options.Value.VerificationTimeout;
        var token = claim ?? Guid.Empty;
        var claimed = claim is not null;
        var updated = await WithEventAsync(FileEventTypes.VersionFailed, version.FileId, version.VersionId, ct, () => db.FileVersions
            .Where(v => v.FileId == version.FileId && v.VersionId == version.VersionId && v.Status == VersionStatus.Uploading
                && ((claimed && v.VerificationToken == token) || (!claimed && (v.VerificationToken == null || v.VerificationClaimedAt < staleBefore))))
            .ExecuteUpdateAsync(set => set
                .SetProperty(v => v.Status, VersionStatus.Failed)
                .SetProperty(v => v.FailureCode, code)
                .SetProperty(v => v.FailureReason, reason)
                .SetProperty(v => v.VerificationOwner, (string?)null)
                .SetProperty(v => v.VerificationToken, (Guid?)null)
                .SetProperty(v => v.VerificationClaimedAt, (DateTimeOffset?)null), ct));
        if (updated == 0)
            return CompletionOutcome.AlreadyReady;

        waiters.Finished(version.FileId, version.VersionId);
        Telemetry.FileApiTelemetry.VersionFailed(code);
        logger.LogWarning("Version {VersionId} of file {FileId} failed ({Code}): {Reason}", version.VersionId, version.FileId, code, reason);
        // The reconciler deletes blobs of failed versions too, should this not get through.
        await storage.DeleteIfExistsAsync(blobName, ct);
        return CompletionOutcome.Failed;
    }

    /// <summary>The status of each of these blobs' versions that exists (in its workspace and organisation), in one query.</summary>
    public async Task<IReadOnlyDictionary<string, VersionStatus>> StatusesAsync(IReadOnlyCollection<string> blobNames, CancellationToken ct)
    {
        var blobs = blobNames.Select(name => BlobNames.TryParse(name, out var blob) ? (name, blob) : default).Where(b => b.blob is not null).ToList();
        if (blobs.Count == 0)
            return new Dictionary<string, VersionStatus>();
        var fileIds = blobs.Select(b => b.blob!.FileId).Distinct().ToList();
        var versions = await (
            from v in db.FileVersions
            join file in db.Files on v.FileId equals file.Id
            join workspace in db.Workspaces on file.WorkspaceId equals workspace.Id
            where fileIds.Contains(v.FileId)
            select new { v.FileId, v.VersionId, file.WorkspaceId, workspace.OrganizationId, v.Status }).ToListAsync(ct);
        var found = versions.ToDictionary(v => (v.FileId, v.VersionId));
        return blobs
            .Where(b => found.TryGetValue((b.blob!.FileId, b.blob.VersionId), out var v) && v.WorkspaceId == b.blob.WorkspaceId && v.OrganizationId == b.blob.OrganizationId)
            .ToDictionary(b => b.name, b => found[(b.blob!.FileId, b.blob.VersionId)].Status, StringComparer.Ordinal);
    }

    Task<FileVersion?> FindAsync(VersionBlob blob, CancellationToken ct) => (
        from v in db.FileVersions.AsNoTracking()
        join file in db.Files on v.FileId equals file.Id
        join workspace in db.Workspaces on file.WorkspaceId equals workspace.Id
        where v.FileId == blob.FileId && v.VersionId == blob.VersionId
            && file.WorkspaceId == blob.WorkspaceId && workspace.OrganizationId == blob.OrganizationId
        select v).FirstOrDefaultAsync(ct);

    (string Code, string Reason)? SizeProblem(FileVersion version, BlobProperties properties)
    {
        var maximum = options.Value.MaxFileSize;
        if (properties.ContentLength > maximum)
            return (FailureCodes.TooLarge, $"the upload is {properties.ContentLength} bytes, over the maximum file size of {maximum} bytes");
        if (version.DeclaredSize is { } declared && declared != properties.ContentLength)
            return (FailureCodes.SizeMismatch, $"the upload is {properties.ContentLength} bytes but {declared} were declared");
        return null;
    }

    static (string Code, string Reason)? ChecksumProblem(FileVersion version, ContentHashes hashes)
    {
        if (version.DeclaredMd5 is { } md5 && !CryptographicOperations.FixedTimeEquals(Convert.FromBase64String(md5), hashes.Md5!))
            return (FailureCodes.Md5Mismatch, $"the upload's MD5 is {Convert.ToBase64String(hashes.Md5!)} but {md5} was declared");
        if (version.DeclaredSha256 is { } sha256 && !CryptographicOperations.FixedTimeEquals(Convert.FromHexString(sha256), hashes.Sha256!))
            return (FailureCodes.Sha256Mismatch, $"the upload's SHA-256 is {Convert.ToHexStringLower(hashes.Sha256!)} but {sha256} was declared");
        return null;
    }

    static string[] HashedAlgorithms(FileVersion version) =>
        [.. version.DeclaredMd5 is null ? Array.Empty<string>() : ["md5"], .. version.DeclaredSha256 is null ? Array.Empty<string>() : ["sha256"]];

    /// <summary>What was checked before readiness, e.g. "size,sha256"; null when nothing was declared.</summary>
    static string? Verified(FileVersion version, string[] hashed)
    {
        string[] all = [.. version.DeclaredSize is null ? Array.Empty<string>() : ["size"], .. hashed];
        return all.Length == 0 ? null : string.Join(',', all);
    }

    /// <summary>Uploading → failed for an import that cannot copy its source; false when the version had already left uploading.</summary>
    public async Task<bool> FailImportAsync(string blobName, string code, string reason, CancellationToken ct)
    {
        if (!BlobNames.TryParse(blobName, out var blob) || await FindAsync(blob, ct) is not { Status: VersionStatus.Uploading } version)
            return false;
        return await FailAsync(version, blobName, code, reason, claim: null, ct) == CompletionOutcome.Failed;
    }

    // ---- expiry (reconciler) ------------------------------------------------------------------------------

    /// <summary>Links that expired before this, plus the grace, belong to abandoned uploads.</summary>
    DateTimeOffset AbandonedBefore() => clock.GetUtcNow() - ExpiryGrace;

    TimeSpan ExpiryGrace => lifecycleOptions.Value.ExpiryGrace;

    /// <summary>
    /// Uploading → failed for an upload whose link is still past the cutoff at this moment (a renewal in between
    /// wins) and that no live verification holds; its uncommitted blocks are dropped.
    /// </summary>
    public async Task<bool> ExpireAsync(string blobName, CancellationToken ct)
    {
        if (!BlobNames.TryParse(blobName, out var blob))
            return false;
        var abandonedBefore = AbandonedBefore();
        var staleBefore = clock.GetUtcNow() - options.Value.VerificationTimeout;
        var expired = await WithEventAsync(FileEventTypes.VersionFailed, blob.FileId, blob.VersionId, ct, () => db.FileVersions
            .Where(v => v.FileId == blob.FileId && v.VersionId == blob.VersionId && v.Status == VersionStatus.Uploading
                && v.UploadExpiresAt < abandonedBefore
                && (v.VerificationToken == null || v.VerificationClaimedAt < staleBefore))
            .ExecuteUpdateAsync(set => set
                .SetProperty(v => v.Status, VersionStatus.Failed)
                .SetProperty(v => v.FailureCode, FailureCodes.Expired)
                .SetProperty(v => v.FailureReason, "the upload link expired before the upload was committed")
                .SetProperty(v => v.VerificationOwner, (string?)null)
                .SetProperty(v => v.VerificationToken, (Guid?)null)
                .SetProperty(v => v.VerificationClaimedAt, (DateTimeOffset?)null), ct));
        if (expired == 0)
            return false;
        waiters.Finished(blob.FileId, blob.VersionId);
        await storage.DiscardUncommittedAsync(blobName, ct);
        return true;
    }

    /// <summary>Notes that the reconciler looked for this upload's blob, so the least recently checked go first.</summary>
    public Task RecordCheckedAsync(Guid fileId, long versionId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return db.FileVersions.Where(v => v.FileId == fileId && v.VersionId == versionId)
            .ExecuteUpdateAsync(set => set.SetProperty(v => v.LastCheckedAt, now), ct);
    }

    /// <summary>Drops uncommitted blocks; a blob committed meanwhile is deleted, as a failed version's blob is.</summary>
    async Task DropBlobAsync(string blobName, CancellationToken ct)
    {
        if (!await storage.DiscardUncommittedAsync(blobName, ct))
            await storage.DeleteIfExistsAsync(blobName, ct);
    }

    // ---- files: delete (editors), restore (owners), purge (reconciler) -------------------------------------

    /// <summary>Soft-deletes the live file among <paramref name="files"/> (at most one: by id, or at a path); false when none was live.</summary>
    public async Task<bool> DeleteFileAsync(IQueryable<StoredFile> files, CallerIdentity caller, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var live = await files.Where(f => f.DeletedAt == null).Select(f => f.Id).FirstOrDefaultAsync(ct);
        if (live == Guid.Empty)
            return false;
        var deleted = await db.Files.Where(f => f.Id == live && f.DeletedAt == null).ExecuteUpdateAsync(set => set
            .SetProperty(f => f.DeletedAt, now)
            .SetProperty(f => f.DeletedById, caller.Id)
            .SetProperty(f => f.DeletedByName, caller.Name)
            .SetProperty(f => f.DeletedByEmail, caller.Email), ct) == 1;
        if (deleted)
        {
            await CountInUsageAsync(live, -1, ct);
            await outbox.AddAsync(FileEventTypes.FileDeleted, live, versionId: null, ct);
        }
        await transaction.CommitAsync(ct);
        if (deleted)
            outbox.Committed();
        return deleted;
    }

    /// <summary>
    /// Adds (<paramref name="sign"/> 1) or removes (-1) a file and the bytes of its ready versions to or from its workspace's
    /// usage, inside the caller's transaction, right after the statement that made it live or deleted (whose row lock
    /// keeps a concurrent readiness, which locks the file row first, from counting twice or not at all).
    /// </summary>
    async Task CountInUsageAsync(Guid fileId, int sign, CancellationToken ct) =>
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO workspace_usage AS u (workspace_id, files, bytes)
            SELECT f.workspace_id, {sign} * (CASE WHEN f.current_version_id IS NULL THEN 0 ELSE 1 END),
                   {sign} * COALESCE((SELECT sum(v.size) FROM file_versions v WHERE v.file_id = f.id AND v.status = {nameof(VersionStatus.Ready)}), 0)
              FROM files f WHERE f.id = {fileId}
            ON CONFLICT (workspace_id) DO UPDATE SET files = u.files + EXCLUDED.files, bytes = u.bytes + EXCLUDED.bytes
            """, ct);

    /// <summary>Brings a deleted file back under <paramref name="path"/> if that path is free at this moment.</summary>
    public async Task<RestoreOutcome> RestoreFileAsync(WorkspaceScope scope, Guid fileId, FilePath path, CancellationToken ct)
    {
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            if (!await ClaimPathAsync(scope, path, ct))
                return RestoreOutcome.PathTaken;
            var restored = await db.Files
                .Where(f => f.Id == fileId && f.WorkspaceId == scope.WorkspaceId && f.DeletedAt != null)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(f => f.Name, path.Name)
                    .SetProperty(f => f.PathKey, path.Key)
                    .SetProperty(f => f.DeletedAt, (DateTimeOffset?)null)
                    .SetProperty(f => f.DeletedById, (string?)null)
                    .SetProperty(f => f.DeletedByName, (string?)null)
                    .SetProperty(f => f.DeletedByEmail, (string?)null), ct);
            if (restored == 1)
            {
                await CountInUsageAsync(fileId, 1, ct);
                await outbox.AddAsync(FileEventTypes.FileRestored, fileId, versionId: null, ct);
            }
            await transaction.CommitAsync(ct);
            outbox.Committed();
            return restored == 1 ? RestoreOutcome.Restored : RestoreOutcome.NotDeleted;
        }
        catch (PostgresException taken) when (taken.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return RestoreOutcome.PathTaken;
        }
    }

    /// <summary>
    /// Runs one transition statement in a transaction and, when it changed its row, writes the event reporting it
    /// to the outbox before committing: the event exists exactly when the change does.
    /// </summary>
    async Task<int> WithEventAsync(string eventType, Guid fileId, long versionId, CancellationToken ct, Func<Task<int>> transition)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var changed = await transition();
        if (changed == 0)
            return 0;
        await outbox.AddAsync(eventType, fileId, versionId, ct);
        await transaction.CommitAsync(ct);
        outbox.Committed();
        return changed;
    }

    /// <summary>Removes a deleted file past retention, with its versions; the caller deletes the blobs first.</summary>
    public async Task<bool> PurgeFileAsync(Guid fileId, DateTimeOffset deletedBefore, CancellationToken ct) =>
        await db.Files.Where(f => f.Id == fileId && f.DeletedAt < deletedBefore).ExecuteDeleteAsync(ct) == 1;
}
