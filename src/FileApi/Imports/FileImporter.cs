using System.Net;
using FileApi.Data;
using FileApi.Files;
using FileApi.Http;
using FileApi.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FileApi.Imports;

public sealed record ImportClaim(Guid FileId, long VersionId, Guid Token);

/// <summary>The source cannot be imported, and trying again will not change that.</summary>
sealed class ImportRefusedException(string message) : Exception(message);

/// <summary>
/// Runs imports: claims a job (as deliveries are claimed, so instances never copy one import at once), learns the
/// source's size, has the blob service copy it block by block (Put Block From URL) and commit, then completes the
/// version as a BlobCreated event would, through <see cref="VersionLifecycle"/>. A source that refuses fails the
/// version (<see cref="FailureCodes.ImportFailed"/>); a passing fault is retried with backoff.
/// </summary>
public sealed class FileImporter(
    FileApiDb db, BlobStorage storage, VersionLifecycle lifecycle, OutboundUrls urls, IHttpClientFactory clients,
    IOptions<ImportsOptions> options, IOptions<FilesOptions> filesOptions, TimeProvider clock, ILogger<FileImporter> logger)
{
    public async Task<List<ImportClaim>> ClaimDueAsync(int limit, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var staleBefore = now - options.Value.ClaimTimeout;
        var due = await db.FileImports
            .Where(i => i.NextAttemptAt <= now && (i.ClaimToken == null || i.ClaimedAt < staleBefore))
            .OrderBy(i => i.NextAttemptAt)
            .Select(i => new { i.FileId, i.VersionId })
            .Take(limit)
            .ToListAsync(ct);

        var claims = new List<ImportClaim>();
        foreach (var job in due)
        {
            var token = Guid.NewGuid();
            if (await db.FileImports
                    .Where(i => i.FileId == job.FileId && i.VersionId == job.VersionId && (i.ClaimToken == null || i.ClaimedAt < staleBefore))
                    .ExecuteUpdateAsync(set => set
                        .SetProperty(i => i.ClaimOwner, VerificationQueue.InstanceId)
                        .SetProperty(i => i.ClaimToken, token)
                        .SetProperty(i => i.ClaimedAt, now), ct) == 1)
                claims.Add(new ImportClaim(job.FileId, job.VersionId, token));
        }
        return claims;
    }

    public async Task RunAsync(ImportClaim claim, CancellationToken ct)
    {
        var job = await Claimed(claim).AsNoTracking().FirstOrDefaultAsync(ct);
        if (job is null)
            return;
        var blobName = BlobNames.For(job.OrganizationId, job.WorkspaceId, job.FileId, job.VersionId);
        var status = await db.FileVersions.Where(v => v.FileId == job.FileId && v.VersionId == job.VersionId).Select(v => (VersionStatus?)v.Status).FirstOrDefaultAsync(ct);
        if (status != VersionStatus.Uploading)
        {
            await Claimed(claim).ExecuteDeleteAsync(ct); // aborted or expired meanwhile
            return;
        }

        using var claimLost = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var copyDone = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(claim, claimLost, copyDone.Token);
        try
        {
            await CopyAsync(job, blobName, claimLost.Token);
        }
        catch (Exception refused) when (refused is ImportRefusedException or OutboundAddressRefusedException
            || refused is StorageRequestException { Status: >= 400 and < 500 and not 408 and not 429 })
        {
            await StopAsync(copyDone, heartbeat);
            var reason = refused is StorageRequestException storageRefused
                ? $"the blob service could not copy from the source: {storageRefused.Status} {storageRefused.ErrorCode}"
                : "the source cannot be imported: " + refused.Message;
            await FailAsync(claim, blobName, FailureCodes.ImportFailed, reason, ct);
            return;
        }
        catch (TooLargeException tooLarge)
        {
            await StopAsync(copyDone, heartbeat);
            await FailAsync(claim, blobName, FailureCodes.TooLarge, tooLarge.Message, ct);
            return;
        }
        catch (OverQuotaException overQuota)
        {
            await StopAsync(copyDone, heartbeat);
            await FailAsync(claim, blobName, FailureCodes.QuotaExceeded, overQuota.Message, ct);
            return;
        }
        catch (Exception passing) when (!ct.IsCancellationRequested && !claimLost.IsCancellationRequested)
        {
            await StopAsync(copyDone, heartbeat);
            await RetryLaterAsync(claim, job, blobName, passing, ct);
            return;
        }
        catch (OperationCanceledException) when (claimLost.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            await StopAsync(copyDone, heartbeat);
            logger.LogWarning("Lost the claim on the import of version {VersionId} of file {FileId}; another run finishes it", job.VersionId, job.FileId);
            return;
        }
        catch
        {
            // Stopping: the claim goes stale and a later run resumes the copy.
            await StopAsync(copyDone, heartbeat);
            throw;
        }
        await StopAsync(copyDone, heartbeat);

        // Committed: the job is done, and the version is verified as any committed upload is.
        await Claimed(claim).ExecuteDeleteAsync(CancellationToken.None);
        var outcome = await lifecycle.CompleteAsync(blobName, CancellationToken.None);
        logger.LogInformation("Imported version {VersionId} of file {FileId}: {Outcome}", job.VersionId, job.FileId, outcome);
    }

    async Task CopyAsync(FileImport job, string blobName, CancellationToken ct)
    {
        if (!urls.TryAccept(job.SourceUrl, out var source, out var invalid))
            throw new ImportRefusedException("the URL " + invalid);
        // The blob service fetches the source, not us; the same rules still keep it to public addresses in Production.
        await urls.ResolveAllowedAsync(source.IdnHost, ct);
        var size = job.Size ?? await SourceSizeAsync(source, ct);
        var maximum = filesOptions.Value.MaxFileSize;
        if (size > maximum)
            throw new TooLargeException($"the source is {size} bytes, over the maximum file size of {maximum} bytes");
        // Known before a byte is copied, so a source that cannot fit now costs no copy; readiness still judges exactly.
        if (await Workspaces.WorkspaceQuotas.RoomAsync(db, job.WorkspaceId, ct) is { } room && !room.Fits(size))
            throw new OverQuotaException(
                $"the source is {size} bytes and does not fit: the workspace holds {room.UsedBytes} of its quota of {room.QuotaBytes} bytes");
        var settings = options.Value;
        var blockSize = Math.Min(BlobStorage.MaxBlockSize, Math.Max(settings.BlockSize, (size + BlobStorage.MaxBlocks - 1) / BlobStorage.MaxBlocks));
        await storage.CopyFromUriAsync(blobName, source, size, blockSize, settings.Concurrency, ct);
    }

    /// <summary>
    /// The source's size from a one-byte ranged GET: presigned URLs (S3, GCS) are signed for GET, so HEAD would be
    /// refused. 206 names the total in Content-Range; 416 does for an empty source; a 200 gives the whole length.
    /// </summary>
    async Task<long> SourceSizeAsync(Uri source, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, source);
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 0);
        using var response = await clients.CreateClient(OutboundUrls.ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var total = response.StatusCode switch
        {
            HttpStatusCode.PartialContent or HttpStatusCode.RequestedRangeNotSatisfiable => response.Content.Headers.ContentRange?.Length,
            HttpStatusCode.OK => response.Content.Headers.ContentLength,
            _ => null,
        };
        if (total is { } known)
            return known;
        var status = (int)response.StatusCode;
        if (status is >= 500 or 408 or 429)
            throw new HttpRequestException($"the source answered {status}", null, response.StatusCode);
        throw new ImportRefusedException(status is >= 200 and < 400
            ? $"the source answered {status} without its size; declare size"
            : $"the source answered {status} to a ranged GET");
    }

    async Task FailAsync(ImportClaim claim, string blobName, string code, string reason, CancellationToken ct)
    {
        reason = reason.Length > 900 ? reason[..900] : reason;
        await lifecycle.FailImportAsync(blobName, code, reason, ct);
        await Claimed(claim).ExecuteDeleteAsync(CancellationToken.None);
        logger.LogWarning("The import of {BlobName} failed ({Code}): {Reason}", blobName, code, reason);
    }

    async Task RetryLaterAsync(ImportClaim claim, FileImport job, string blobName, Exception passing, CancellationToken ct)
    {
        var attempts = job.Attempts + 1;
        if (attempts >= options.Value.MaxAttempts)
        {
            await FailAsync(claim, blobName, FailureCodes.ImportFailed, $"the copy failed {attempts} times; last: {passing.Message}", ct);
            return;
        }
        var next = clock.GetUtcNow() + options.Value.RetryDelay(attempts);
        var error = passing.Message.Length > 900 ? passing.Message[..900] : passing.Message;
        await Claimed(claim).ExecuteUpdateAsync(set => set
            .SetProperty(i => i.Attempts, attempts)
            .SetProperty(i => i.NextAttemptAt, next)
            .SetProperty(i => i.LastError, error)
            .SetProperty(i => i.ClaimOwner, (string?)null)
            .SetProperty(i => i.ClaimToken, (Guid?)null)
            .SetProperty(i => i.ClaimedAt, (DateTimeOffset?)null), CancellationToken.None);
        logger.LogWarning(passing, "The import of {BlobName} failed for now (attempt {Attempts}); retrying at {Next}", blobName, attempts, next);
    }

    /// <summary>Renews the claim every third of the timeout while the copy runs; cancels the copy when the claim is gone.</summary>
    async Task HeartbeatAsync(ImportClaim claim, CancellationTokenSource claimLost, CancellationToken done)
    {
        using var timer = new PeriodicTimer(options.Value.ClaimTimeout / 3, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(done))
            {
                var now = clock.GetUtcNow();
                if (await Claimed(claim).ExecuteUpdateAsync(set => set.SetProperty(i => i.ClaimedAt, now), done) == 0)
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

    static async Task StopAsync(CancellationTokenSource copyDone, Task heartbeat)
    {
        await copyDone.CancelAsync();
        await heartbeat;
    }

    IQueryable<FileImport> Claimed(ImportClaim claim) =>
        db.FileImports.Where(i => i.FileId == claim.FileId && i.VersionId == claim.VersionId && i.ClaimToken == claim.Token);

    sealed class TooLargeException(string message) : Exception(message);

    sealed class OverQuotaException(string message) : Exception(message);
}

/// <summary>Runs claimed imports, <see cref="ImportsOptions.MaxConcurrentImports"/> at a time, woken by new imports or by polling.</summary>
sealed class FileImportService(IServiceScopeFactory scopes, ImportSignal signal, IOptions<ImportsOptions> options, TimeProvider clock, ILogger<FileImportService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Run)
            return;
        while (!stoppingToken.IsCancellationRequested)
        {
            var woken = signal.Next();
            try
            {
                List<ImportClaim> claims;
                await using (var scope = scopes.CreateAsyncScope())
                    claims = await scope.ServiceProvider.GetRequiredService<FileImporter>().ClaimDueAsync(options.Value.MaxConcurrentImports, stoppingToken);
                await Parallel.ForEachAsync(claims, stoppingToken, async (claim, token) =>
                {
                    try
                    {
                        await using var scope = scopes.CreateAsyncScope();
                        await scope.ServiceProvider.GetRequiredService<FileImporter>().RunAsync(claim, token);
                    }
                    catch (Exception exception) when (exception is not OperationCanceledException || !token.IsCancellationRequested)
                    {
                        // The claim goes stale and a later pass resumes the import.
                        logger.LogError(exception, "Importing version {VersionId} of file {FileId} failed", claim.VersionId, claim.FileId);
                    }
                });
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogError(exception, "An import pass failed; the next one will try again");
            }
            await Task.WhenAny(woken, Task.Delay(options.Value.PollInterval, clock, stoppingToken));
        }
    }
}
