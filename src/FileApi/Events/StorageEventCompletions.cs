using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using FileApi.Files;
using Microsoft.Extensions.Options;

namespace FileApi.Events;

/// <summary>
/// Completions of reported versions, on the app's token, whether or not Event Grid is still connected. A small delivery
/// runs its completion at once, in its own request (<see cref="StartNow"/>: no hand-off, so a single event is ready soonest);
/// a large one, once recorded, queues it for <see cref="StorageEventWorker"/> (<see cref="Queue"/>). A blob being completed
/// here is not started twice, so a duplicate delivery changes nothing.
/// </summary>
public sealed class StorageEventCompletions
{
    static readonly IReadOnlyDictionary<string, CompletionOutcome> Nothing = new Dictionary<string, CompletionOutcome>();

    readonly Channel<Work> _work;
    readonly ConcurrentDictionary<string, byte> _inFlight = new(StringComparer.Ordinal);
    readonly IServiceScopeFactory _scopes;
    readonly StorageEventHooks _hooks;
    readonly int _maxConcurrency;
    readonly CancellationToken _stopping;
    readonly ILogger<StorageEventCompletions> _logger;

    public StorageEventCompletions(IOptions<StorageEventOptions> options, IServiceScopeFactory scopes, StorageEventHooks hooks,
        IHostApplicationLifetime lifetime, ILogger<StorageEventCompletions> logger)
    {
        _work = Channel.CreateBounded<Work>(new BoundedChannelOptions(options.Value.QueuedDeliveries) { FullMode = BoundedChannelFullMode.Wait });
        (_scopes, _hooks, _maxConcurrency, _stopping, _logger) = (scopes, hooks, options.Value.MaxConcurrency, lifetime.ApplicationStopping, logger);
    }

    /// <summary>
    /// Starts completing the versions not already being completed here, in this call up to its first storage call; the task
    /// answers their outcomes (none for the others) and goes on after the caller stops waiting for it.
    /// </summary>
    public Task<IReadOnlyDictionary<string, CompletionOutcome>> StartNow(
        IReadOnlyList<UploadingVersion> versions, IReadOnlyDictionary<string, ActivityContext> askedBy)
    {
        var mine = Claim(versions);
        if (mine.Count == 0)
            return Task.FromResult(Nothing);
        var work = new Work(mine, askedBy);
        _ = RunAsync(work, _stopping);
        return work.Done.Task;
    }

    /// <summary>
    /// Queues the versions not already being completed here for the background worker; the task answers their outcomes.
    /// With the queue full it answers none at once: the caller has recorded them, and the reconciler completes them.
    /// </summary>
    public Task<IReadOnlyDictionary<string, CompletionOutcome>> Queue(
        IReadOnlyList<UploadingVersion> versions, IReadOnlyDictionary<string, ActivityContext> askedBy)
    {
        var mine = Claim(versions);
        if (mine.Count == 0)
            return Task.FromResult(Nothing);
        var work = new Work(mine, askedBy);
        if (_work.Writer.TryWrite(work))
            return work.Done.Task;
        Finished(work);
        _logger.LogWarning("The storage event queue is full; {Count} reported versions are left to the reconciler", mine.Count);
        return Task.FromResult(Nothing);
    }

    List<UploadingVersion> Claim(IReadOnlyList<UploadingVersion> versions) => versions.Where(v => _inFlight.TryAdd(v.BlobName, 0)).ToList();

    internal ChannelReader<Work> Reader => _work.Reader;

    /// <summary>Completes one piece of work in a scope of its own; never throws (the failure goes to <see cref="Work.Done"/>).</summary>
    internal async Task RunAsync(Work work, CancellationToken stoppingToken)
    {
        var blobNames = work.Versions.Select(v => v.BlobName).ToList();
        Exception? failure = null;
        try
        {
            await _hooks.BeforeCompleteAsync(blobNames, stoppingToken);
            await using var scope = _scopes.CreateAsyncScope();
            var outcomes = await scope.ServiceProvider.GetRequiredService<VersionLifecycle>()
                .CompleteUploadingAsync(work.Versions, _maxConcurrency, stoppingToken, work.AskedBy);
            work.Done.TrySetResult(outcomes);
        }
        catch (Exception exception)
        {
            failure = exception;
            // The delivery, if still waiting, answers with this (5xx, so Event Grid retries); if answered, it recorded the versions for the reconciler.
            work.Done.TrySetException(exception);
            _ = work.Done.Task.Exception; // observed here: a delivery answered already never awaits it
            if (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                _logger.LogError(exception, "Completing {Count} reported versions failed; the reconciler completes them", blobNames.Count);
        }
        finally
        {
            Finished(work);
            _hooks.Completed(blobNames, failure);
        }
    }

    void Finished(Work work)
    {
        foreach (var version in work.Versions)
            _inFlight.TryRemove(version.BlobName, out _);
    }

    internal sealed record Work(IReadOnlyList<UploadingVersion> Versions, IReadOnlyDictionary<string, ActivityContext> AskedBy)
    {
        public TaskCompletionSource<IReadOnlyDictionary<string, CompletionOutcome>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>A seam for tests to hold or watch a completion; the app's own does nothing.</summary>
public class StorageEventHooks
{
    public virtual Task BeforeCompleteAsync(IReadOnlyList<string> blobNames, CancellationToken ct) => Task.CompletedTask;

    public virtual void Completed(IReadOnlyList<string> blobNames, Exception? failure)
    {
    }
}

/// <summary>Completes queued deliveries, <see cref="StorageEventOptions.BackgroundDeliveries"/> at a time, on the app's token.</summary>
sealed class StorageEventWorker(StorageEventCompletions completions, IOptions<StorageEventOptions> options) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.BackgroundDeliveries).Select(_ => Task.Run(() => CompleteQueuedAsync(stoppingToken), stoppingToken)));

    async Task CompleteQueuedAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var work in completions.Reader.ReadAllAsync(stoppingToken))
                await completions.RunAsync(work, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
