using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using FileApi.Files;
using Microsoft.Extensions.Options;

namespace FileApi.Events;

/// <summary>
/// Completions of reported versions that outlive the delivery that asked for them: a delivery hands its uploading versions
/// here and waits at most <see cref="StorageEventOptions.AnswerWithin"/>; the work goes on, on the app's token, whether or
/// not Event Grid is still connected. A blob being completed here is not started twice, so a duplicate delivery changes nothing.
/// </summary>
public sealed class StorageEventCompletions
{
    static readonly IReadOnlyDictionary<string, CompletionOutcome> Nothing = new Dictionary<string, CompletionOutcome>();

    readonly Channel<Work> _work;
    readonly ConcurrentDictionary<string, byte> _inFlight = new(StringComparer.Ordinal);
    readonly ILogger<StorageEventCompletions> _logger;

    public StorageEventCompletions(IOptions<StorageEventOptions> options, ILogger<StorageEventCompletions> logger)
    {
        _work = Channel.CreateBounded<Work>(new BoundedChannelOptions(options.Value.QueuedDeliveries) { FullMode = BoundedChannelFullMode.Wait });
        _logger = logger;
    }

    /// <summary>
    /// Starts completing the versions not already being completed here; the task answers their outcomes (none for the others).
    /// With the queue full it answers none at once: the caller records them, and the reconciler completes them.
    /// </summary>
    public Task<IReadOnlyDictionary<string, CompletionOutcome>> Start(
        IReadOnlyList<UploadingVersion> versions, IReadOnlyDictionary<string, ActivityContext> askedBy)
    {
        var mine = versions.Where(v => _inFlight.TryAdd(v.BlobName, 0)).ToList();
        if (mine.Count == 0)
            return Task.FromResult(Nothing);
        var work = new Work(mine, askedBy);
        if (_work.Writer.TryWrite(work))
            return work.Done.Task;
        Finished(work);
        _logger.LogWarning("The storage event queue is full; {Count} reported versions are left to the reconciler", mine.Count);
        return Task.FromResult(Nothing);
    }

    internal ChannelReader<Work> Reader => _work.Reader;

    internal void Finished(Work work)
    {
        foreach (var version in work.Versions)
            _inFlight.TryRemove(version.BlobName, out _);
    }

    internal sealed record Work(IReadOnlyList<UploadingVersion> Versions, IReadOnlyDictionary<string, ActivityContext> AskedBy)
    {
        public TaskCompletionSource<IReadOnlyDictionary<string, CompletionOutcome>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>A seam for tests to hold or watch a background completion; the app's own does nothing.</summary>
public class StorageEventHooks
{
    public virtual Task BeforeCompleteAsync(IReadOnlyList<string> blobNames, CancellationToken ct) => Task.CompletedTask;

    public virtual void Completed(IReadOnlyList<string> blobNames, Exception? failure)
    {
    }
}

/// <summary>Completes queued deliveries, <see cref="StorageEventOptions.BackgroundDeliveries"/> at a time, on the app's token.</summary>
sealed class StorageEventWorker(
    StorageEventCompletions completions, StorageEventHooks hooks, IServiceScopeFactory scopes, IOptions<StorageEventOptions> options, ILogger<StorageEventWorker> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.BackgroundDeliveries).Select(_ => Task.Run(() => CompleteQueuedAsync(stoppingToken), stoppingToken)));

    async Task CompleteQueuedAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var work in completions.Reader.ReadAllAsync(stoppingToken))
                await CompleteAsync(work, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    async Task CompleteAsync(StorageEventCompletions.Work work, CancellationToken stoppingToken)
    {
        var blobNames = work.Versions.Select(v => v.BlobName).ToList();
        Exception? failure = null;
        try
        {
            await hooks.BeforeCompleteAsync(blobNames, stoppingToken);
            await using var scope = scopes.CreateAsyncScope();
            var outcomes = await scope.ServiceProvider.GetRequiredService<VersionLifecycle>()
                .CompleteUploadingAsync(work.Versions, options.Value.MaxConcurrency, stoppingToken, work.AskedBy);
            work.Done.TrySetResult(outcomes);
        }
        catch (Exception exception)
        {
            failure = exception;
            // The delivery, if still waiting, answers with this (5xx, so Event Grid retries); if answered, it recorded the versions for the reconciler.
            work.Done.TrySetException(exception);
            _ = work.Done.Task.Exception; // observed here: a delivery answered already never awaits it
            if (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                logger.LogError(exception, "Completing {Count} reported versions failed; the reconciler completes them", blobNames.Count);
        }
        finally
        {
            completions.Finished(work);
            hooks.Completed(blobNames, failure);
        }
    }
}
