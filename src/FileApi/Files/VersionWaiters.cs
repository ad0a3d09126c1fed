using FileApi.Data;
using FileApi.Data.Providers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FileApi.Files;

public enum WaitAdmission { Admitted, CallerAtLimit, InstanceAtLimit }

/// <summary>
/// Wakes long-polls (<c>GET ...?version_id=&amp;wait=</c>) and <c>complete</c> in this instance the moment a version
/// finishes here, and announces the finish to the other instances (<see cref="IVersionWakeups"/>);
/// <see cref="WaitedVersionPoller"/> wakes them for versions finished by other instances. Each
/// <see cref="WhenFinished"/> is paired with a <see cref="Forget"/>, so one waiter giving up leaves the others waiting.
/// Long-polls are also admitted here, per caller and in all, because each holds a request open for up to a minute.
/// </summary>
public sealed class VersionWaiters(IOptions<FilesOptions> options, IVersionWakeups wakeups)
{
    sealed class Waiting
    {
        public readonly TaskCompletionSource Finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Count;
    }

    readonly Dictionary<(Guid FileId, long VersionId), Waiting> _waiting = [];
    readonly Dictionary<string, int> _pollsByCaller = [];
    int _polls;
    readonly Lock _lock = new();

    /// <summary>Long-polls holding a slot now, in this instance.</summary>
    public int ActivePolls { get { lock (_lock) return _polls; } }

    public WaitAdmission TryAdmitPoll(string callerId)
    {
        lock (_lock)
        {
            var byCaller = _pollsByCaller.GetValueOrDefault(callerId);
            if (byCaller >= options.Value.MaxWaitsPerCaller)
                return WaitAdmission.CallerAtLimit;
            if (_polls >= options.Value.MaxWaits)
                return WaitAdmission.InstanceAtLimit;
            _pollsByCaller[callerId] = byCaller + 1;
            _polls++;
            return WaitAdmission.Admitted;
        }
    }

    public void ReleasePoll(string callerId)
    {
        lock (_lock)
        {
            _polls--;
            if (--_pollsByCaller[callerId] == 0)
                _pollsByCaller.Remove(callerId);
        }
    }

    public Task WhenFinished(Guid fileId, long versionId)
    {
        lock (_lock)
        {
            if (!_waiting.TryGetValue((fileId, versionId), out var waiting))
                _waiting[(fileId, versionId)] = waiting = new Waiting();
            waiting.Count++;
            return waiting.Finished.Task;
        }
    }

    public void Forget(Guid fileId, long versionId)
    {
        lock (_lock)
        {
            if (_waiting.TryGetValue((fileId, versionId), out var waiting) && --waiting.Count <= 0)
                _waiting.Remove((fileId, versionId));
        }
    }

    /// <summary>
    /// This instance finished the version (its transition has committed): its waiters here answer, and the other
    /// instances are told, since a long-poll on the version may be waiting there.
    /// </summary>
    public void Finished(Guid fileId, long versionId)
    {
        Wake(fileId, versionId);
        if (Announced)
            wakeups.Announce(fileId, versionId);
    }

    /// <summary>Instances tell each other of finished versions: the provider can, and it is not turned off.</summary>
    public bool Announced => wakeups.CanAnnounce && options.Value.WakeupsByNotification;

    /// <summary>The version finished, here or elsewhere: its waiters in this instance answer.</summary>
    public void Wake(Guid fileId, long versionId)
    {
        Waiting? waiting;
        lock (_lock)
        {
            if (!_waiting.Remove((fileId, versionId), out waiting))
                return;
        }
        waiting.Finished.TrySetResult();
    }

    public IReadOnlyList<(Guid FileId, long VersionId)> Waited()
    {
        lock (_lock)
            return [.. _waiting.Keys];
    }
}

/// <summary>
/// Wakes this instance's waiters of versions that another instance finished: at once when that instance announces it
/// (<see cref="IVersionWakeups"/>, PostgreSQL's LISTEN/NOTIFY), and at every re-read of all versions waited on here
/// (one database read per interval, not one per waiter), which is the only way on SQL Server and a safety net for a
/// lost notification elsewhere. Each time listening (re)starts, what was announced meanwhile is caught up by a re-read.
/// </summary>
public sealed class WaitedVersionPoller(
    IServiceScopeFactory scopes, VersionWaiters waiters, IVersionWakeups wakeups, IOptions<FilesOptions> options, TimeProvider clock,
    ILogger<WaitedVersionPoller> logger) : BackgroundService
{
    /// <summary>Time between two re-reads of the waited versions in this instance.</summary>
    public TimeSpan Interval => options.Value.RereadInterval(waiters.Announced);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var rereads = RereadAsync(stoppingToken);
        if (!waiters.Announced)
            return rereads;
        return Task.WhenAll(rereads, wakeups.RunAsync(new WakeupHandlers(waiters.Wake, CatchUpAsync), stoppingToken));
    }

    async Task RereadAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, clock, stoppingToken);
                await WakeFinishedAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // A database outage: the waiters still answer at their deadline, and the next interval tries again.
                logger.LogWarning(exception, "Could not re-read waited versions");
            }
        }
    }

    async Task CatchUpAsync(CancellationToken ct)
    {
        try
        {
            await WakeFinishedAsync(ct);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Listening goes on; the next re-read catches up instead.
            logger.LogWarning(exception, "Could not re-read waited versions after listening again");
        }
    }

    public async Task WakeFinishedAsync(CancellationToken ct)
    {
        var waited = waiters.Waited();
        if (waited.Count == 0)
            return;
        var fileIds = waited.Select(w => w.FileId).Distinct().ToList();
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FileApiDb>();
        var finished = await db.FileVersions.AsNoTracking()
            .Where(v => fileIds.Contains(v.FileId) && v.Status != VersionStatus.Uploading)
            .Select(v => new { v.FileId, v.VersionId })
            .ToListAsync(ct);
        var waitedSet = waited.ToHashSet();
        foreach (var version in finished.Where(v => waitedSet.Contains((v.FileId, v.VersionId))))
            waiters.Wake(version.FileId, version.VersionId);
    }
}
