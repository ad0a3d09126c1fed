using System.ComponentModel.DataAnnotations;
using FileApi.Data;
using FileApi.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using FileApi.Data.Providers;

namespace FileApi.Files;

public sealed class LifecycleOptions
{
    /// <summary>Run the reconciler in this instance. Any number of instances may; one works at a time.</summary>
    public bool Enabled { get; set; } = true;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>An upload this old whose blob is committed but whose event never came is completed by the reconciler.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MissedEventAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A version storage reported (a delivery answered before its completion finished) still uploading this long after is
    /// completed by the reconciler: the answering process stopped, or a storage call failed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ReportedEventAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long after its link expired an upload still uploading is given up, and its blocks dropped.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan ExpiryGrace { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long deleted files (rows and blobs) are kept for restoring.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan DeletedRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the whole container is listed for blobs no version owns.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan OrphanSweepInterval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Blobs younger than this are never treated as orphans.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan OrphanGrace { get; set; } = TimeSpan.FromHours(1);

    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;
}

public sealed record ReconcileReport(bool Ran, int Completed, int Expired, int Purged, int OrphansDeleted, int Sealed = 0);

/// <summary>
/// Repairs what notifications miss: (a) completes uploads whose blob storage reported but whose completion did not finish,
/// and those whose blob is committed but whose event never came,
/// (b) gives up uploads whose link expired and drops their blob and uncommitted blocks, (c) purges deleted files
/// past retention, rows and blobs, (d) deletes blobs that no version owns, (e) seals versions made ready before sealing
/// existed, so their reads stop asking storage. A cross-instance lock (Data/Providers) lets one
/// instance work at a time; every step is conditional, so a pass interrupted anywhere is safe to repeat.
/// </summary>
public sealed class Reconciler(
    FileApiDb db, BlobStorage storage, VersionLifecycle lifecycle, IReconcilerLock crossInstanceLock,
    IOptions<LifecycleOptions> options, IOptions<FilesOptions> filesOptions, IOptions<Events.StorageEventOptions> eventOptions, TimeProvider clock, ILogger<Reconciler> logger)
{
    public async Task<ReconcileReport> RunPassAsync(bool sweepOrphans, CancellationToken ct)
    {
        await using var held = await crossInstanceLock.TryAcquireAsync(ct);
        if (held is null)
            return new ReconcileReport(false, 0, 0, 0, 0);

        var report = new ReconcileReport(true,
            await CompleteMissedAsync(ct),
            await ExpireAbandonedAsync(ct),
            await PurgeDeletedAsync(ct),
            sweepOrphans ? await DeleteOrphansAsync(ct) : 0,
            await SealReadyBeforeSealingAsync(ct));
        Telemetry.FileApiTelemetry.ReconcilerRepaired(report);
        if (report is not { Completed: 0, Expired: 0, Purged: 0, OrphansDeleted: 0, Sealed: 0 })
            logger.LogInformation("Reconciled: {Completed} uploads completed without an event, {Expired} abandoned uploads expired, {Purged} deleted files purged, {Orphans} orphan blobs deleted, {Sealed} older ready versions sealed",
                report.Completed, report.Expired, report.Purged, report.OrphansDeleted, report.Sealed);
        return report;
    }

    async Task<int> CompleteMissedAsync(CancellationToken ct) => await CompleteReportedAsync(ct) + await CompleteUnreportedAsync(ct);

    /// <summary>
    /// Versions a delivery recorded as reported and answered before they were complete, least recently checked first, a batch a
    /// pass, all in one set-based completion (<see cref="VersionLifecycle.CompleteManyAsync"/>); one a live verification holds is left to it.
    /// </summary>
    async Task<int> CompleteReportedAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var reportedBefore = now - settings.ReportedEventAfter;
        var liveClaimAfter = now - filesOptions.Value.VerificationTimeout;
        var reported = await WithBlobNames(db.FileVersions
            .Where(v => v.Status == VersionStatus.Uploading && v.BlobReportedAt <= reportedBefore
                && (v.VerificationToken == null || v.VerificationClaimedAt < liveClaimAfter))
            .OrderBy(v => v.LastCheckedAt ?? v.BlobReportedAt)
            .Take(settings.BatchSize))
            .ToListAsync(ct);
        if (reported.Count == 0)
            return 0;

        var outcomes = await lifecycle.CompleteManyAsync(reported.Select(r => r.BlobName).ToList(), eventOptions.Value.MaxConcurrency, ct);
        foreach (var upload in reported.Where(r => outcomes[r.BlobName] is CompletionOutcome.NotCommitted or CompletionOutcome.VerificationInProgress))
            await lifecycle.RecordCheckedAsync(upload.Version.FileId, upload.Version.VersionId, ct);
        return outcomes.Values.Count(o => o == CompletionOutcome.MarkedReady);
    }

    async Task<int> CompleteUnreportedAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var registeredBefore = now - settings.MissedEventAfter;
        var expiredBefore = now - settings.ExpiryGrace;
        var pending = await WithBlobNames(db.FileVersions
            .Where(v => v.Status == VersionStatus.Uploading && v.CreatedAt <= registeredBefore && v.UploadExpiresAt >= expiredBefore)
            .OrderBy(v => v.LastCheckedAt ?? v.CreatedAt) // never checked first
            .Take(settings.BatchSize))
            .ToListAsync(ct);

        var completed = 0;
        foreach (var upload in pending)
        {
            if (await lifecycle.CompleteAsync(upload.BlobName, ct) == CompletionOutcome.MarkedReady)
                completed++;
            await lifecycle.RecordCheckedAsync(upload.Version.FileId, upload.Version.VersionId, ct);
        }
        return completed;
    }

    /// <summary>Ready versions without a seal and without a pinned blob version (made ready before sealing existed), a batch a pass.</summary>
    async Task<int> SealReadyBeforeSealingAsync(CancellationToken ct)
    {
        var unsealed = await WithBlobNames(db.FileVersions
            .Where(v => v.Status == VersionStatus.Ready && v.SealLeaseId == null && v.BlobVersionId == null)
            .OrderBy(v => v.FileId).ThenBy(v => v.VersionId)
            .Take(options.Value.BatchSize))
            .ToListAsync(ct);
        var sealedCount = 0;
        foreach (var version in unsealed)
            if (await lifecycle.SealReadyAsync(version.Version, version.BlobName, ct))
                sealedCount++;
        return sealedCount;
    }

    async Task<int> ExpireAbandonedAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var expiredBefore = clock.GetUtcNow() - settings.ExpiryGrace;
        var abandoned = await WithBlobNames(db.FileVersions
            .Where(v => v.Status == VersionStatus.Uploading && v.UploadExpiresAt < expiredBefore)
            .Take(settings.BatchSize))
            .ToListAsync(ct);

        var expired = 0;
        foreach (var upload in abandoned)
        {
            // It may have been committed at the last moment: then it completes instead.
            if (await lifecycle.CompleteAsync(upload.BlobName, ct) != CompletionOutcome.NotCommitted)
                continue;
            // Fails it only if its link is still past the cutoff now: a renewal since the list above wins.
            if (await lifecycle.ExpireAsync(upload.BlobName, ct))
                expired++;
        }
        return expired;
    }

    async Task<int> PurgeDeletedAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var deletedBefore = clock.GetUtcNow() - settings.DeletedRetention;
        var files = await (
            from file in db.Files
            join workspace in db.Workspaces on file.WorkspaceId equals workspace.Id
            where file.DeletedAt < deletedBefore
            select new { file.Id, file.WorkspaceId, workspace.OrganizationId }).Take(settings.BatchSize).ToListAsync(ct);

        foreach (var file in files)
        {
            var versionIds = await db.FileVersions.Where(v => v.FileId == file.Id).Select(v => v.VersionId).ToListAsync(ct);
            // Blobs first: should this stop halfway, the rows still name the blobs for the next pass.
            foreach (var versionId in versionIds)
                await storage.DeleteIfExistsAsync(BlobNames.For(file.OrganizationId, file.WorkspaceId, file.Id, versionId), ct);
            await lifecycle.PurgeFileAsync(file.Id, deletedBefore, ct);
        }
        return files.Count;
    }

    async Task<int> DeleteOrphansAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var youngerThan = clock.GetUtcNow() - settings.OrphanGrace;
        var deleted = 0;
        var batch = new List<(string Name, VersionBlob? Blob)>();
        await foreach (var blob in storage.ListBlobsAsync(prefix: null, ct))
        {
            if (blob.LastModified > youngerThan)
                continue;
            batch.Add((blob.Name, BlobNames.TryParse(blob.Name, out var parsed) ? parsed : null));
            if (batch.Count == settings.BatchSize)
            {
                deleted += await DeleteUnownedAsync(batch, ct);
                batch.Clear();
            }
        }
        return deleted + await DeleteUnownedAsync(batch, ct);
    }

    /// <summary>Deletes the blobs of the batch that no live (uploading or ready) version owns.</summary>
    async Task<int> DeleteUnownedAsync(List<(string Name, VersionBlob? Blob)> batch, CancellationToken ct)
    {
        if (batch.Count == 0)
            return 0;
        var ours = batch.Where(b => b.Blob is not null).Select(b => b.Blob!).ToList();
        var fileIds = ours.Select(b => b.FileId).Distinct().ToArray();
        var versionIds = ours.Select(b => b.VersionId).Distinct().ToArray();
        // Rows of any version id of these files, then the pairs in memory: a batch is small, and this needs no row values.
        var owned = (await db.FileVersions.AsNoTracking()
            .Where(v => fileIds.Contains(v.FileId) && versionIds.Contains(v.VersionId) && v.Status != VersionStatus.Failed)
            .Select(v => new OwnedVersion(v.FileId, v.VersionId))
            .ToListAsync(ct)).ToHashSet();

        var deleted = 0;
        foreach (var (name, blob) in batch)
        {
            if (blob is not null && owned.Contains(new OwnedVersion(blob.FileId, blob.VersionId)))
                continue;
            if (await storage.DeleteIfExistsAsync(name, ct))
                deleted++;
        }
        return deleted;
    }

    IQueryable<PendingUpload> WithBlobNames(IQueryable<FileVersion> versions) =>
        from version in versions
        join file in db.Files on version.FileId equals file.Id
        join workspace in db.Workspaces on file.WorkspaceId equals workspace.Id
        select new PendingUpload(version, workspace.OrganizationId, file.WorkspaceId);

    sealed record PendingUpload(FileVersion Version, Guid OrganizationId, Guid WorkspaceId)
    {
        public string BlobName => BlobNames.For(OrganizationId, WorkspaceId, Version.FileId, Version.VersionId);
    }

    sealed record OwnedVersion(Guid FileId, long VersionId);
}

/// <summary>Runs reconciler passes on the configured interval, and the orphan sweep on its own, slower one.</summary>
sealed class ReconcilerService(IServiceScopeFactory scopes, IOptions<LifecycleOptions> options, TimeProvider clock, ILogger<ReconcilerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
            return;
        var lastSweep = DateTimeOffset.MinValue;
        using var timer = new PeriodicTimer(options.Value.Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var sweep = clock.GetUtcNow() - lastSweep >= options.Value.OrphanSweepInterval;
                var report = await scope.ServiceProvider.GetRequiredService<Reconciler>().RunPassAsync(sweep, stoppingToken);
                if (report.Ran && sweep)
                    lastSweep = clock.GetUtcNow();
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogError(exception, "A reconciler pass failed; the next one will try again");
            }
        }
    }
}
