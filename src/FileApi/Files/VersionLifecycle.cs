using System.Security.Cryptography;
using FileApi.Auth;
using FileApi.Data;
using FileApi.Data.Providers;
using FileApi.Notifications;
using FileApi.Storage;
using FileApi.Workspaces;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

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

/// <summary>A version found uploading, with the blob it was named by.</summary>
public sealed record UploadingVersion(string BlobName, FileVersion Version);

/// <summary>The versions some blobs name: the outcome of those completion need not touch (unknown, ready, failed), and those still uploading.</summary>
public sealed record NamedVersions(IReadOnlyDictionary<string, CompletionOutcome> Settled, IReadOnlyList<UploadingVersion> Uploading);

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
    IOptions<FilesOptions> options, IOptions<LifecycleOptions> lifecycleOptions, TimeProvider clock, ILogger<VersionLifecycle> logger,
    IVersionAllocation allocation, IPathLocks pathLocks, IVersionReadiness readiness, IWorkspaceUsageCounts usageCounts, IDatabaseErrors databaseErrors,
    IReportedVersions reportedVersions)
{
    /// <summary>What completion answers for a version it need not touch (unknown, ready or failed); null while it is uploading.</summary>
    static CompletionOutcome? SettledOutcome(VersionStatus? status) => status switch
    {
        null => CompletionOutcome.UnknownBlob,
        VersionStatus.Ready => CompletionOutcome.AlreadyReady,
        VersionStatus.Failed => CompletionOutcome.Failed,
        _ => null,
    };


    // ---- register and renew (uploader) -------------------------------------------------------------------

    /// <summary>
    /// Creates the file at a path or bumps its version counter, and inserts the uploading version, in one round trip
    /// (<see cref="IVersionAllocation"/>): concurrent first uploads to one path agree on one file and get distinct, increasing ids.
    /// Null when a file and a folder would share the name (<see cref="PathClaim"/>).
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
        var claim = PathClaim.For(scope.WorkspaceId, path);
        var version = new NewVersion(scope.WorkspaceId, caller, declaration, now, uploadExpiresAt);
        // No transaction of ours unless the import job joins it: the allocation's round trip is its own transaction,
        // so a caller hanging up leaves nothing half-made and no transaction for EF to fail on.
        if (importFrom is null)
            return await allocation.AtPathAsync(db, claim, version, ct) is { } registered ? Registered(registered) : null;

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await allocation.AtPathAsync(db, claim, version, ct) is not { } allocated)
            return null;
        db.FileImports.Add(new FileImport
        {
            FileId = allocated.FileId, VersionId = allocated.VersionId, OrganizationId = scope.OrganizationId, WorkspaceId = scope.WorkspaceId,
            SourceUrl = importFrom.Url.AbsoluteUri, Size = importFrom.Size, CreatedAt = now, NextAttemptAt = now,
        });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return Registered(allocated);
    }

    /// <summary>
    /// Restore's share of <see cref="PathClaim"/>: locks the claim's keys within the caller's transaction (one round trip),
    /// then, in a statement of its own so that it reads after the locks are granted, checks that no live file is an ancestor
    /// of <paramref name="path"/> or lies under it.
    /// </summary>
    async Task<bool> ClaimPathAsync(WorkspaceScope scope, FilePath path, CancellationToken ct)
    {
        var claim = PathClaim.For(scope.WorkspaceId, path);
        await pathLocks.LockAsync(db, claim.SharedLockKeys, claim.ExclusiveLockKey, ct);
        var (ancestors, under) = (claim.AncestorKeys, claim.UnderFrom);
        return !await db.Files.AnyAsync(f => f.WorkspaceId == scope.WorkspaceId && f.DeletedAt == null
            && (ancestors.Contains(f.PathKey) || f.PathKey.StartsWith(under)), ct);
    }

    /// <summary>A new uploading version of a live file, in one statement; null when the file is not live in the workspace.</summary>
    public async Task<AllocatedVersion?> RegisterForFileAsync(
        WorkspaceScope scope, Guid fileId, CallerIdentity caller, RegisterRequest declaration, DateTimeOffset uploadExpiresAt, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        using var span = Telemetry.FileApiTelemetry.StartRegistration();
        var allocated = await allocation.ForFileAsync(db, fileId, new NewVersion(scope.WorkspaceId, caller, declaration, now, uploadExpiresAt), ct);
        return allocated is null ? null : Registered(allocated);
    }

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
    public async Task<CompletionOutcome> CompleteAsync(string blobName, CancellationToken ct) =>
        BlobNames.TryParse(blobName, out var blob) && await FindAsync(blob, ct) is { } version
            ? await CompleteAsync(version, blobName, toldCommitted: false, ct)
            : CompletionOutcome.UnknownBlob;

    /// <summary>
    /// Completes a version the caller has just read (the completion endpoint reads it with the caller's membership), as
    /// <see cref="CompleteManyAsync"/> does for one: the same judgement and the same readiness statement, without a batch's bookkeeping.
    /// </summary>
    /// <param name="version">On <see cref="CompletionOutcome.MarkedReady"/>, it holds what readiness wrote (<see cref="BecameReady"/>), so it can be described without reading it again.</param>
    /// <param name="toldCommitted">The uploader says the blob is committed (see <see cref="JudgeBlobAsync"/>).</param>
    public async Task<CompletionOutcome> CompleteAsync(FileVersion version, string blobName, bool toldCommitted, CancellationToken ct)
    {
        if (SettledOutcome(version.Status) is { } settled)
            return settled;
        // A version registered before lease ids were chosen at registration gets one now, as it always did.
        version.SealLeaseId ??= await ChooseSealLeaseIdAsync(version, ct);
        var span = Telemetry.FileApiTelemetry.StartCompletion(version.FileId, version.VersionId);
        var outcome = await JudgeBlobAsync(version, blobName, toldCommitted, ct) switch
        {
            Judgement.Settled(var judged) => judged,
            Judgement.Broken(var code, var reason) => await FailAsync(version, blobName, code, reason, claim: null, ct),
            Judgement.Sealed(var properties) => await MarkOneReadyAsync(new Sealed(version, blobName, properties, Verified(version, hashed: [])), ct),
            _ => throw new System.Diagnostics.UnreachableException(),
        };
        Telemetry.FileApiTelemetry.Completed(span, outcome);
        return outcome;
    }

    async Task<CompletionOutcome> MarkOneReadyAsync(Sealed version, CancellationToken ct)
    {
        var outcome = (await MarkReadyAsync([version], claim: null, ct)).Single().Outcome;
        if (outcome == CompletionOutcome.MarkedReady)
            BecameReady(version);
        return outcome;
    }

    /// <summary>
    /// What the readiness statement wrote to the version's row (<see cref="IVersionReadiness"/>), applied to the row as read, so
    /// the completion's answer needs no second read of it (no answer shows <c>ReadyAt</c>; it is this moment, as the statement's is).
    /// </summary>
    void BecameReady(Sealed ready)
    {
        var (version, _, properties, verified) = ready;
        version.Status = VersionStatus.Ready;
        version.Size = properties.ContentLength;
        version.ETag = properties.ETag;
        version.BlobVersionId = properties.VersionId;
        version.BlobSnapshot = properties.Snapshot;
        version.Verified = verified;
        version.ReadyAt ??= clock.GetUtcNow();
        (version.VerificationOwner, version.VerificationToken, version.VerificationClaimedAt) = (null, null, null);
    }

    /// <summary>
    /// Finishes each of these versions as <see cref="CompleteAsync"/> does, in a handful of round trips whatever their number:
    /// one read of the versions; the blob service asked about each still uploading (<paramref name="maxConcurrency"/> at a time);
    /// then one readiness statement for all the sealed ones, with their outbox rows, in one transaction.
    /// </summary>
    /// <param name="askedBy">The span of the event that asked for each blob, to trace its completion under.</param>
    public async Task<IReadOnlyDictionary<string, CompletionOutcome>> CompleteManyAsync(IReadOnlyCollection<string> blobNames, int maxConcurrency,
        CancellationToken ct, IReadOnlyDictionary<string, System.Diagnostics.ActivityContext>? askedBy = null)
    {
        var named = await FindNamedAsync(blobNames, ct);
        var outcomes = await CompleteUploadingAsync(named.Uploading, maxConcurrency, ct, askedBy);
        foreach (var (blobName, outcome) in named.Settled)
            outcomes[blobName] = outcome;
        return outcomes;
    }

    /// <summary>The versions of these blobs in one query: the outcome of those completion need not touch, and those still uploading.</summary>
    public async Task<NamedVersions> FindNamedAsync(IReadOnlyCollection<string> blobNames, CancellationToken ct)
    {
        var versions = await FindManyAsync(blobNames, ct);
        var settled = new Dictionary<string, CompletionOutcome>(StringComparer.Ordinal);
        var uploading = new List<UploadingVersion>();
        foreach (var blobName in blobNames.Distinct(StringComparer.Ordinal))
        {
            var version = versions.GetValueOrDefault(blobName);
            if (SettledOutcome(version?.Status) is { } outcome)
                settled[blobName] = outcome;
            else
                uploading.Add(new UploadingVersion(blobName, version!));
        }
        return new NamedVersions(settled, uploading);
    }

    /// <summary>
    /// Completes versions found uploading (<see cref="FindNamedAsync"/>, in any scope: they are plain rows): the blob service asked
    /// about each (<paramref name="maxConcurrency"/> at a time), then one readiness statement for all the sealed ones.
    /// </summary>
    public async Task<Dictionary<string, CompletionOutcome>> CompleteUploadingAsync(IReadOnlyList<UploadingVersion> uploading, int maxConcurrency,
        CancellationToken ct, IReadOnlyDictionary<string, System.Diagnostics.ActivityContext>? askedBy = null)
    {
        var outcomes = new Dictionary<string, CompletionOutcome>(StringComparer.Ordinal);
        var spans = new System.Diagnostics.Activity?[uploading.Count];
        try
        {
            // A version registered before lease ids were chosen at registration gets one now, as it always did.
            foreach (var (_, version) in uploading.Where(u => u.Version.SealLeaseId is null))
                version.SealLeaseId = await ChooseSealLeaseIdAsync(version, ct);

            var judged = new Judgement[uploading.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, uploading.Count),
                new ParallelOptions { MaxDegreeOfParallelism = maxConcurrency, CancellationToken = ct },
                async (i, ct) =>
                {
                    // Current for this blob's storage calls; ended below, once the batch's readiness statement has given its outcome.
                    spans[i] = Telemetry.FileApiTelemetry.StartCompletion(uploading[i].Version.FileId, uploading[i].Version.VersionId,
                        askedBy?.GetValueOrDefault(uploading[i].BlobName) ?? default);
                    judged[i] = await JudgeBlobAsync(uploading[i].Version, uploading[i].BlobName, toldCommitted: false, ct);
                });

            var sealedVersions = new List<Sealed>();
            for (var i = 0; i < uploading.Count; i++)
            {
                var (blobName, version) = uploading[i];
                switch (judged[i])
                {
                    case Judgement.Settled(var outcome):
                        outcomes[blobName] = outcome;
                        break;
                    case Judgement.Broken(var code, var reason):
                        outcomes[blobName] = await FailAsync(version, blobName, code, reason, claim: null, ct);
                        break;
                    case Judgement.Sealed(var properties):
                        sealedVersions.Add(new Sealed(version, blobName, properties, Verified(version, hashed: [])));
                        break;
                }
            }
            foreach (var (blobName, outcome) in await MarkReadyAsync(sealedVersions, claim: null, ct))
                outcomes[blobName] = outcome;
            for (var i = 0; i < uploading.Count; i++)
                Telemetry.FileApiTelemetry.Completed(spans[i], outcomes[uploading[i].BlobName]);
            return outcomes;
        }
        catch (Exception failure)
        {
            foreach (var span in spans)
                span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, failure.GetType().Name);
            throw;
        }
        finally
        {
            // A batch that threw still ends every span it started (ending one twice does nothing).
            foreach (var span in spans)
                span?.Dispose();
        }
    }

    /// <summary>
    /// Records that storage reported these uploading versions' blobs, where nothing recorded it yet: what a delivery said is then
    /// durable before it is answered, and the reconciler completes them should this process stop first. Exactly these versions,
    /// in one statement whatever their number (<see cref="IReportedVersions"/>).
    /// </summary>
    public Task RecordReportedAsync(IReadOnlyCollection<FileVersion> versions, CancellationToken ct) =>
        reportedVersions.RecordAsync(db, versions.Select(v => new VersionKey(v.FileId, v.VersionId)).Distinct().ToList(), clock.GetUtcNow(), ct);

    /// <summary>What the blob service says of an uploading version's blob, sealed when it is to become ready now.</summary>
    abstract record Judgement
    {
        public sealed record Settled(CompletionOutcome Outcome) : Judgement;
        public sealed record Broken(string Code, string Reason) : Judgement;
        public sealed record Sealed(BlobProperties Properties) : Judgement;
    }

    /// <summary>A version whose blob is sealed as it was judged, ready to become ready.</summary>
    sealed record Sealed(FileVersion Version, string BlobName, BlobProperties Properties, string? Verified);

    /// <summary>
    /// Storage calls only (no database context), so many run at once. When the uploader says the blob is committed and the
    /// version declared no checksum, the blob is sealed as found while its properties are read (one round trip,
    /// <see cref="BlobStorage.SealAsFoundAsync"/>), then judged on exactly the sealed bytes. Otherwise (a blob perhaps still
    /// being uploaded, whose Put Block List a lease would refuse) it is read first and sealed on the etag read, as before;
    /// a version with checksums is only read here and sealed by the verification worker once hashed.
    /// </summary>
    async Task<Judgement> JudgeBlobAsync(FileVersion version, string blobName, bool toldCommitted, CancellationToken ct)
    {
        if (version.DeclaredMd5 is not null || version.DeclaredSha256 is not null)
        {
            var properties = await storage.GetPropertiesAsync(blobName, ct);
            if (properties is null)
                return new Judgement.Settled(CompletionOutcome.NotCommitted);
            if (SizeProblem(version, properties) is { } sizeProblem)
                return new Judgement.Broken(sizeProblem.Code, sizeProblem.Reason);
            if (!queue.TryEnqueue(blobName))
                logger.LogWarning("The verification queue is full; version {VersionId} of file {FileId} is left to the reconciler", version.VersionId, version.FileId);
            return new Judgement.Settled(CompletionOutcome.VerificationInProgress);
        }

        for (var attempt = 1; ; attempt++)
        {
            var judgement = toldCommitted ? await SealAsFoundAsync(version, blobName, ct) : await SealAsReadAsync(version, blobName, ct);
            // Null: a commit landed between the read and the seal, so the blob is judged again as it is now.
            if (judgement is not null)
                return judgement;
            if (attempt == 3)
                return new Judgement.Settled(CompletionOutcome.NotCommitted);
        }
    }

    /// <summary>Seals the blob as found while reading it, then judges the sealed bytes (a broken blob's failure erases it, seal and all).</summary>
    async Task<Judgement?> SealAsFoundAsync(FileVersion version, string blobName, CancellationToken ct)
    {
        var (sealing, properties) = await storage.SealAsFoundAsync(blobName, version.SealLeaseId!.Value, ct);
        if (sealing == SealOutcome.Gone)
            return new Judgement.Settled(CompletionOutcome.NotCommitted);
        if (sealing == SealOutcome.Changed)
            return null;
        return SizeProblem(version, properties!) is { } sizeProblem ? new Judgement.Broken(sizeProblem.Code, sizeProblem.Reason) : new Judgement.Sealed(properties!);
    }

    /// <summary>Reads the blob, judges it, then seals it on the etag read.</summary>
    async Task<Judgement?> SealAsReadAsync(FileVersion version, string blobName, CancellationToken ct)
    {
        if (await storage.GetPropertiesAsync(blobName, ct) is not { } properties)
            return new Judgement.Settled(CompletionOutcome.NotCommitted);
        if (SizeProblem(version, properties) is { } sizeProblem)
            return new Judgement.Broken(sizeProblem.Code, sizeProblem.Reason);
        return await storage.SealAsync(blobName, properties, version.SealLeaseId!.Value, ct) switch
        {
            (SealOutcome.Sealed, var sealedProperties) => new Judgement.Sealed(sealedProperties!),
            (SealOutcome.Gone, _) => new Judgement.Settled(CompletionOutcome.NotCommitted),
            _ => null,
        };
    }

    /// <summary>
    /// Seals the version's blob exactly as it was verified (<paramref name="verified"/>'s etag), answering the sealed properties
    /// with their snapshot (null when not sealed); a version becomes ready only after,
    /// so a ready version's bytes cannot change under a still-valid upload link and reads need not ask storage.
    /// </summary>
    async Task<BlobProperties?> SealAsync(FileVersion version, string blobName, BlobProperties verified, CancellationToken ct) =>
        await storage.SealAsync(blobName, verified, version.SealLeaseId ?? await ChooseSealLeaseIdAsync(version, ct), ct) is (SealOutcome.Sealed, var sealedProperties)
            ? sealedProperties
            : null;

    /// <summary>
    /// Seals a version made ready before sealing existed, if its blob is still the one verified (its etag), and records the
    /// lease id only once the lease is held, so a ready version's recorded lease id always means a sealed blob. A blob that
    /// changed is left as it is: its reads keep answering version-content-changed.
    /// </summary>
    public async Task<bool> SealReadyAsync(FileVersion version, string blobName, CancellationToken ct)
    {
        if (version is not { Status: VersionStatus.Ready, SealLeaseId: null, ETag: { } eTag })
            return false;
        var leaseId = new Guid(RandomNumberGenerator.GetBytes(16));
        if (await storage.SealAsync(blobName, eTag, leaseId, ct) != SealOutcome.Sealed)
            return false;
        return await db.FileVersions
            .Where(v => v.FileId == version.FileId && v.VersionId == version.VersionId && v.Status == VersionStatus.Ready && v.SealLeaseId == null && v.ETag == eTag)
            .ExecuteUpdateAsync(set => set.SetProperty(v => v.SealLeaseId, leaseId), ct) == 1;
    }

    /// <summary>Records a random lease id for the version unless one is recorded already, and answers the recorded one.</summary>
    async Task<Guid> ChooseSealLeaseIdAsync(FileVersion version, CancellationToken ct)
    {
        var proposed = new Guid(RandomNumberGenerator.GetBytes(16));
        var thisVersion = db.FileVersions.Where(v => v.FileId == version.FileId && v.VersionId == version.VersionId);
        if (await thisVersion.Where(v => v.SealLeaseId == null).ExecuteUpdateAsync(set => set.SetProperty(v => v.SealLeaseId, proposed), ct) == 1)
            return proposed;
        // A concurrent completion recorded its own first: every run seals with that one lease.
        return await thisVersion.Select(v => v.SealLeaseId).SingleAsync(ct) ?? proposed;
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
        else if (await SealAsync(version, blobName, properties, CancellationToken.None) is { } sealedProperties)
            await MarkReadyAsync([new Sealed(version, blobName, sealedProperties, Verified(version, hashed: HashedAlgorithms(version)))], claim, CancellationToken.None);
        else
            await ReleaseAsync(version, claim); // changed since it was hashed; the commit that changed it brings its own notice
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
    /// Uploading → ready for sealed versions, each file's current version moved to its newest unless a newer one is ready,
    /// and their workspaces' usage, in one statement (<see cref="IVersionReadiness"/>), with their outbox rows in the same
    /// transaction. With a claim, only its holder may; without, only while no live claim is held. A live file's version
    /// becomes ready only if its bytes fit its workspace's quota; one that does not fails with <see cref="FailureCodes.QuotaExceeded"/>.
    /// </summary>
    async Task<List<(string BlobName, CompletionOutcome Outcome)>> MarkReadyAsync(List<Sealed> versions, Guid? claim, CancellationToken ct)
    {
        var results = new List<(string, CompletionOutcome)>();
        if (versions.Count == 0)
            return results;
        var now = clock.GetUtcNow();
        var staleBefore = now - options.Value.VerificationTimeout;
        IReadOnlyList<ReadinessAnswer> answers;
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            answers = await readiness.MarkReadyAsync(
                db, [.. versions.Select(v => new ReadyVersion(v.Version.FileId, v.Version.VersionId, v.Properties, v.Verified, claim))], now, staleBefore, ct);
            // A version that left uploading after it was judged had its bytes counted: nothing of this transaction may stay.
            if (answers.Any(a => a.Outcome == ReadinessOutcomes.Stale))
            {
                await transaction.RollbackAsync(ct);
                if (versions.Count == 1)
                    return [(versions[0].BlobName, CompletionOutcome.AlreadyReady)];
                foreach (var version in versions)
                    results.AddRange(await MarkReadyAsync([version], claim, ct));
                return results;
            }
            // Only versions whose workspace has a webhook get events, and the statement said which: the others cost no query.
            var watched = answers.Where(a => a.Outcome == ReadinessOutcomes.Ready && a.Watched).Select(a => (a.FileId, a.VersionId)).ToList();
            await outbox.AddManyAsync(FileEventTypes.VersionReady, watched, ct);
            await transaction.CommitAsync(ct);
            outbox.Committed();
        }

        var byVersion = answers.ToDictionary(a => (a.FileId, a.VersionId), a => a.Outcome);
        foreach (var (version, blobName, properties, verified) in versions)
        {
            var outcome = byVersion[(version.FileId, version.VersionId)];
            if (outcome == ReadinessOutcomes.Ready)
            {
                waiters.Finished(version.FileId, version.VersionId);
                Telemetry.FileApiTelemetry.VersionReady(properties.ContentLength, properties.LastModified, now);
                logger.LogInformation("Version {VersionId} of file {FileId} is ready: {Size} bytes, verified {Verified}",
                    version.VersionId, version.FileId, properties.ContentLength, verified ?? "nothing declared");
                results.Add((blobName, CompletionOutcome.MarkedReady));
            }
            else if (outcome == ReadinessOutcomes.OverQuota || (outcome == ReadinessOutcomes.Retry && versions.Count == 1))
                results.Add((blobName, await FailOverQuotaAsync(version, blobName, properties, claim, ct)));
            else if (outcome == ReadinessOutcomes.Retry)
                results.AddRange(await MarkReadyAsync([new Sealed(version, blobName, properties, verified)], claim, ct));
            else
                results.Add((blobName, CompletionOutcome.AlreadyReady));
        }
        return results;
    }

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

    /// <summary>The version of each of these blobs that exists (in its workspace and organisation), in one query.</summary>
    public async Task<IReadOnlyDictionary<string, FileVersion>> FindManyAsync(IReadOnlyCollection<string> blobNames, CancellationToken ct)
    {
        var blobs = blobNames.Select(name => BlobNames.TryParse(name, out var blob) ? (name, blob) : default).Where(b => b.blob is not null).ToList();
        if (blobs.Count == 0)
            return new Dictionary<string, FileVersion>();
        var fileIds = blobs.Select(b => b.blob!.FileId).Distinct().ToList();
        var versionIds = blobs.Select(b => b.blob!.VersionId).Distinct().ToList();
        var versions = await (
            from v in db.FileVersions.AsNoTracking()
            join file in db.Files on v.FileId equals file.Id
            join workspace in db.Workspaces on file.WorkspaceId equals workspace.Id
            // Each list one parameter (an array; OPENJSON on SQL Server), so the statement is the same whatever the delivery's size.
            where EF.Parameter(fileIds).Contains(v.FileId) && EF.Parameter(versionIds).Contains(v.VersionId)
            select new { Version = v, file.WorkspaceId, workspace.OrganizationId }).ToListAsync(ct);
        var found = versions.ToDictionary(v => (v.Version.FileId, v.Version.VersionId));
        var answer = new Dictionary<string, FileVersion>(StringComparer.Ordinal);
        foreach (var (name, blob) in blobs)
            if (found.TryGetValue((blob!.FileId, blob.VersionId), out var v) && v.WorkspaceId == blob.WorkspaceId && v.OrganizationId == blob.OrganizationId)
                answer[name] = v.Version;
        return answer;
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

    /// <summary>Adds (<paramref name="sign"/> 1) or removes (-1) the file in its workspace's usage, right after the statement that made it live or deleted (<see cref="IWorkspaceUsageCounts"/>).</summary>
    Task CountInUsageAsync(Guid fileId, int sign, CancellationToken ct) => usageCounts.CountFileAsync(db, fileId, sign, ct);

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
        catch (Exception taken) when (databaseErrors.Classify(taken) == DatabaseFailure.UniqueViolation)
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
