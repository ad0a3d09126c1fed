using System.Diagnostics;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Benchmarks;

/// <summary>
/// Cross-instance wake-up: a waiting GET on a second instance, answered when the bench's instance completes the
/// version; LISTEN/NOTIFY against the re-read of waited versions every 500 ms (notifications off), in the same run.
/// </summary>
static class WakeupBenchmark
{
    /// <summary>Another instance on the bench stack's database and container (in memory: the wake-up is the database's part).</summary>
    sealed class Peer(BenchStack first, bool notifications) : FileApiFactory(first)
    {
        protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
        [
            new("Logging:LogLevel:Default", "Warning"),
            new("Files:WakeupsByNotification", notifications ? "true" : "false"),
        ];
    }

    public static async Task RunAsync(BenchStack stack, BenchSettings settings, Report report)
    {
        var samples = Math.Max(10, settings.ReadySamples / 4);
        var notified = await MeasureAsync(stack, notifications: true, samples);
        var reread = await MeasureAsync(stack, notifications: false, samples);
        var (p50, p95) = (Stats.Percentile(notified, 0.5), Stats.Percentile(notified, 0.95));
        var (baseP50, baseP95) = (Stats.Percentile(reread, 0.5), Stats.Percentile(reread, 0.95));
        report.Add("cross-instance wake-up (LISTEN/NOTIFY)", $"p50 {Report.Ms(p50)}, p95 {Report.Ms(p95)}",
            $"re-read every 500 ms: p50 {Report.Ms(baseP50)}, p95 {Report.Ms(baseP95)}", p50 / baseP50,
            $"{samples} versions each: complete on one instance → waiting GET answered on another");
    }

    static async Task<List<double>> MeasureAsync(BenchStack stack, bool notifications, int samples)
    {
        var peer = new Peer(stack, notifications);
        await peer.InitializeAsync();
        try
        {
            return await MeasureAsync(stack, peer, samples);
        }
        finally
        {
            await peer.DisposeAsync();
        }
    }

    static async Task<List<double>> MeasureAsync(BenchStack stack, Peer peer, int samples)
    {
        using var onPeer = peer.CreateClientFor(FileApiFactory.Owner);
        var waiters = peer.Services.GetRequiredService<VersionWaiters>();
        using var api = stack.Client();
        using var storage = AzuriteServer.CreateStorageClient();
        var elapsed = new List<double>();
        for (var i = 0; i < samples + 3; i++)
        {
            var upload = await BenchStack.RegisterAsync(api, $"{stack.FilesBase}/path/bench/wakeup/{Guid.NewGuid():N}.bin");
            await BenchStack.PutBlobAsync(storage, upload.Upload, [1, 2, 3]);
            var poll = onPeer.GetAsync($"{peer.FilesBase}/{upload.FileId}?version_id={upload.VersionId}&wait=20");
            var key = (upload.FileId, long.Parse(upload.VersionId));
            while (!waiters.Waited().Contains(key) && !poll.IsCompleted)
                await Task.Delay(1);
            using (var completed = await api.PostAsync($"{stack.FilesBase}/{upload.FileId}/versions/{upload.VersionId}/complete", content: null))
                completed.EnsureSuccessStatusCode();
            var watch = Stopwatch.StartNew();
            using var answer = await poll;
            answer.EnsureSuccessStatusCode();
            if (i >= 3)
                elapsed.Add(watch.Elapsed.TotalMilliseconds);
        }
        return elapsed;
    }
}
