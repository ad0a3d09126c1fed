using FileApi.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FileApi.Files;

public enum WaitAdmission { Admitted, CallerAtLimit, InstanceAtLimit }

/// <summary>
/// Wakes long-polls (<c>GET ...?version_id=&amp;wait=</c>) and <c>complete</c> in this instance the moment a version
/// finishes here; <see cref="WaitedVersionPoller"/> wakes them for versions finished by other instances. Each
/// <see cref="WhenFinished"/> is paired with a <see cref="Forget"/>, so one waiter giving up leaves the others waiting.
/// Long-polls are also admitted here, per caller and in all, because each holds a request open for up to a minute.
/// </summary>
public sealed class VersionWaiters(IOptions<FilesOptions> options)
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

    public void Finished(Guid fileId, long versionId)
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
/// One database read per interval for all versions waited on in this instance, instead of one per waiter: it wakes
/// the waiters of versions that another instance finished.
/// </summary>
public sealed class WaitedVersionPoller(IServiceScopeFactory scopes, VersionWaiters waiters, TimeProvider clock, ILogger<WaitedVersionPoller> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
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
            waiters.Finished(version.FileId, version.VersionId);
    }
}
