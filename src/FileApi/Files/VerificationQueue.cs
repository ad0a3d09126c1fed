using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace FileApi.Files;

/// <summary>
/// Blobs waiting to be hashed in this instance. Bounded, so a burst of large uploads queues instead of starting
/// unbounded reads; a blob already waiting or being hashed here is not queued twice.
/// </summary>
public sealed class VerificationQueue
{
    /// <summary>Names this process in verification claims, so a claim says who holds it.</summary>
    public static readonly string InstanceId = NameThisInstance();

    static string NameThisInstance()
    {
        var name = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
        return name.Length <= 128 ? name : name[^128..];
    }

    readonly Channel<string> _blobs;
    readonly ConcurrentDictionary<string, byte> _queued = new(StringComparer.Ordinal);

    public VerificationQueue(IOptions<FilesOptions> options)
    {
        _blobs = Channel.CreateBounded<string>(new BoundedChannelOptions(options.Value.VerificationQueueCapacity) { FullMode = BoundedChannelFullMode.Wait });
        Telemetry.FileApiTelemetry.ObserveVerificationQueue(this, () => _blobs.Reader.Count);
    }

    /// <summary>False when the queue is full; the blob is then left for the next notice or the reconciler.</summary>
    public bool TryEnqueue(string blobName)
    {
        if (!_queued.TryAdd(blobName, 0))
            return true;
        if (_blobs.Writer.TryWrite(blobName))
            return true;
        _queued.TryRemove(blobName, out _);
        return false;
    }

    internal ChannelReader<string> Reader => _blobs.Reader;

    internal void Finished(string blobName) => _queued.TryRemove(blobName, out _);
}

/// <summary>A seam for tests to hold a hash at a known point; the app's own does nothing.</summary>
public class VerificationHooks
{
    public virtual Task BeforeHashAsync(string blobName, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>Hashes queued blobs, <see cref="FilesOptions.VerificationConcurrency"/> at a time, on the app's token.</summary>
sealed class VerificationWorker(VerificationQueue queue, IServiceScopeFactory scopes, IOptions<FilesOptions> options, ILogger<VerificationWorker> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.VerificationConcurrency).Select(_ => Task.Run(() => HashQueuedAsync(stoppingToken), stoppingToken)));

    async Task HashQueuedAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var blobName in queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<VersionLifecycle>().VerifyAsync(blobName, stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // The claim was released; the next notice or reconciler pass tries again.
                    logger.LogError(exception, "Verifying blob {BlobName} failed", blobName);
                }
                finally
                {
                    queue.Finished(blobName);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
