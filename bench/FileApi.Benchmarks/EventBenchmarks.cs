using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FileApi.Events;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using Npgsql;

namespace FileApi.Benchmarks;

/// <summary>Event Grid webhook batches (first delivery and duplicate), and commit → ready by completion and by event.</summary>
static class EventBenchmarks
{
    // Event Grid sends at most 1 MB per delivery (and at most 5,000 events), so a larger set goes as several deliveries.
    const int MaxDeliveryBytes = 1024 * 1024;

    // More than Events:CompleteBeforeAnswerUpTo (16), so the warm-up delivery takes the timed deliveries' path.
    const int WarmupEvents = 32;

    public static async Task WebhookAsync(BenchStack stack, BenchSettings settings, Report report)
    {
        using var api = stack.Client();
        // Event Grid presents the webhook secret (locally) and no user's token.
        using var eventGrid = new HttpClient { BaseAddress = stack.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        using var storage = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32 });
        // One untimed delivery first, large enough to be recorded and queued as the timed ones are: otherwise the first timed
        // delivery also pays the API's first webhook request (JIT, EF's first translation of each statement), which the
        // duplicates after it never do. Its own answer is in the first row's note.
        var warmup = await stack.UploadedAsync(api, storage, $"bench/events-warmup-{Guid.NewGuid():N}", WarmupEvents);
        var warmupAnswered = await DeliverAsync(eventGrid, Deliveries(stack, warmup));
        await UntilAllReadyAsync(stack, warmup, Stopwatch.StartNew());
        var warmupNote = $"; after an untimed warm-up delivery of {WarmupEvents} (answered in {Report.Ms(warmupAnswered)})";
        foreach (var count in settings.EventBatches)
        {
            var uploads = await stack.UploadedAsync(api, storage, $"bench/events-{count}-{Guid.NewGuid():N}", count);
            var deliveries = Deliveries(stack, uploads);
            // A delivery may be answered before its versions are ready (it recorded them first): both times, from the same start.
            var started = Stopwatch.StartNew();
            var first = await DeliverAsync(eventGrid, deliveries);
            var readyAtAnswer = await CountReadyAsync(stack, uploads);
            var allReady = await UntilAllReadyAsync(stack, uploads, started);
            var duplicate = await DeliverAsync(eventGrid, deliveries);
            var target = count <= 1000 ? (First: 300.0, Duplicate: 100.0) : (First: 1500.0 * count / 5000, Duplicate: 500.0 * count / 5000);
            var note = $"{deliveries.Count} deliveries of at most 1 MB; {readyAtAnswer:N0}/{count:N0} ready when the last was answered{warmupNote}";
            warmupNote = "";
            report.Add($"webhook, {count:N0} BlobCreated, first delivery answered", Report.Ms(first), $"target {Report.Ms(target.First)}", first / target.First, note);
            report.Add($"webhook, {count:N0} BlobCreated, first delivery until all ready", allReady is { } ms ? Report.Ms(ms) : "not all ready in 2 min",
                $"answered {Report.Ms(first)}", allReady / first, "completion after the answer: storage calls at Azurite's speed");
            report.Add($"webhook, {count:N0} BlobCreated, duplicate", Report.Ms(duplicate), $"target {Report.Ms(target.Duplicate)}", duplicate / target.Duplicate);
        }
    }

    static List<byte[]> Deliveries(BenchStack stack, UploadResponse[] uploads)
    {
        var deliveries = new List<byte[]>();
        var batch = new List<object>();
        var size = 2;
        foreach (var upload in uploads)
        {
            var created = TestData.BlobCreated(stack.Container, stack.BlobNameOf(upload), size: 1)[0];
            var bytes = JsonSerializer.SerializeToUtf8Bytes(created).Length + 1;
            if (batch.Count == 5000 || size + bytes > MaxDeliveryBytes)
            {
                deliveries.Add(JsonSerializer.SerializeToUtf8Bytes(batch));
                (batch, size) = ([], 2);
            }
            batch.Add(created);
            size += bytes;
        }
        if (batch.Count > 0)
            deliveries.Add(JsonSerializer.SerializeToUtf8Bytes(batch));
        return deliveries;
    }

    /// <summary>Sends the deliveries one after another, as one Event Grid subscription does; the time until the last is answered.</summary>
    static async Task<double> DeliverAsync(HttpClient api, List<byte[]> deliveries)
    {
        var watch = Stopwatch.StartNew();
        foreach (var delivery in deliveries)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/events/storage") { Content = new ByteArrayContent(delivery) };
            request.Content.Headers.ContentType = new("application/json");
            request.Headers.Add("X-FileApi-Webhook-Secret", FileApiFactory.WebhookSecret);
            using var response = await api.SendAsync(request);
            response.EnsureSuccessStatusCode();
        }
        return watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>Milliseconds since <paramref name="started"/> until every version of the batch is ready (read every 10 ms); null after 2 minutes.</summary>
    static async Task<double?> UntilAllReadyAsync(BenchStack stack, UploadResponse[] uploads, Stopwatch started)
    {
        while (started.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (await CountReadyAsync(stack, uploads) == uploads.Length)
                return started.Elapsed.TotalMilliseconds;
            await Task.Delay(10);
        }
        return null;
    }

    static async Task<long> CountReadyAsync(BenchStack stack, UploadResponse[] uploads)
    {
        await using var connection = new NpgsqlConnection(stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM file_versions WHERE status = 'Ready' AND file_id = ANY(@ids)", connection);
        command.Parameters.AddWithValue("ids", uploads.Select(u => u.FileId).ToArray());
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>From the commit's answer to the answer of complete (200, ready), one upload after another.</summary>
    public static async Task ReadyByCompletionAsync(BenchStack stack, BenchSettings settings, Report report)
    {
        using var api = stack.Client();
        using var storage = AzuriteServer.CreateStorageClient();
        var samples = new List<double>();
        for (var i = 0; i < settings.ReadySamples + 10; i++)
        {
            var upload = await BenchStack.RegisterAsync(api, $"{stack.FilesBase}/path/bench/complete/{Guid.NewGuid():N}.bin");
            await BenchStack.PutBlobAsync(storage, upload.Upload, [1, 2, 3]);
            var watch = Stopwatch.StartNew();
            using var response = await api.PostAsync($"{stack.FilesBase}/{upload.FileId}/versions/{upload.VersionId}/complete", content: null);
            response.EnsureSuccessStatusCode();
            if (i >= 10)
                samples.Add(watch.Elapsed.TotalMilliseconds);
        }
        // Apart from the timed ones, so listening to every span costs them nothing: what one completion asks storage and the database.
        using var steps = new RequestSteps(stack.StorageUri);
        var traced = new List<IReadOnlyList<RequestSteps.Step>>();
        for (var i = 0; i < 20; i++)
        {
            var upload = await BenchStack.RegisterAsync(api, $"{stack.FilesBase}/path/bench/complete/{Guid.NewGuid():N}.bin");
            await BenchStack.PutBlobAsync(storage, upload.Upload, [1, 2, 3]);
            traced.Add(await steps.TraceAsync(async () =>
            {
                using var response = await api.PostAsync($"{stack.FilesBase}/{upload.FileId}/versions/{upload.VersionId}/complete", content: null);
                response.EnsureSuccessStatusCode();
            }));
        }
        var p99 = Stats.Percentile(samples, 0.99);
        report.Add("commit → ready by completion", $"p50 {Report.Ms(Stats.Percentile(samples, 0.5))}, p99 {Report.Ms(p99)}", "target p99 10 ms", p99 / 10,
            $"{samples.Count} uploads; each: {RequestSteps.Summary(traced)}");
    }

    /// <summary>
    /// From the commit's answer to a waiting GET's answer, the version made ready by the BlobCreated the local event stand-in
    /// raises for a Put Blob through it (what the blob service and Event Grid do in Azure), one upload after another.
    /// </summary>
    public static async Task ReadyByEventAsync(BenchStack stack, BenchSettings settings, Report report)
    {
        using var relay = await StandIn.StartAsync(stack);
        using var api = stack.Client();
        using var storage = AzuriteServer.CreateStorageClient();
        var samples = new List<double>();
        for (var i = 0; i < settings.ReadySamples / 2 + 5; i++)
        {
            var upload = await BenchStack.RegisterAsync(api, $"{stack.FilesBase}/path/bench/event/{Guid.NewGuid():N}.bin");
            // The upload goes through the stand-in, as a client's does in scripts/dev: it raises BlobCreated on the commit.
            await BenchStack.PutBlobAsync(storage, relay.Via(upload.Upload), [1, 2, 3]);
            var watch = Stopwatch.StartNew();
            using var response = await api.GetAsync($"{stack.FilesBase}/{upload.FileId}?version_id={upload.VersionId}&wait=20");
            response.EnsureSuccessStatusCode();
            if (i >= 5)
                samples.Add(watch.Elapsed.TotalMilliseconds);
        }
        var p95 = Stats.Percentile(samples, 0.95);
        report.Add("commit → ready by event (stand-in proxy)", $"p50 {Report.Ms(Stats.Percentile(samples, 0.5))}, p95 {Report.Ms(p95)}", "target p95 50 ms", p95 / 50,
            $"{samples.Count} uploads, waiting GET (wait=20)");
    }
}
