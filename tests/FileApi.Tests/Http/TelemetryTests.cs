using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using System.Web;
using FileApi.Files;
using FileApi.Telemetry;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace FileApi.Tests.Http;

/// <summary>
/// The API with its OpenTelemetry set up as in production, plus in-memory exporters and a logger that keeps every
/// entry at every level, so a test sees exactly what would be exported and logged.
/// </summary>
public sealed class CapturedTelemetryFactory : FileApiFactory
{
    public ConcurrentList<Activity> Spans { get; } = [];
    public ConcurrentList<MetricSnapshot> Metrics { get; } = [];
    public CapturingLoggerProvider Logs { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
    [
        new("Logging:LogLevel:Default", "Trace"),
        new("Logging:LogLevel:Microsoft.AspNetCore", "Trace"),
        new("Logging:LogLevel:Microsoft.EntityFrameworkCore", "Trace"),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans));
            services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddInMemoryExporter(Metrics));
            services.AddSingleton<ILoggerProvider>(Logs);
        });
    }

    /// <summary>Exports what is pending, so the lists hold everything recorded until now.</summary>
    public void Flush()
    {
        Services.GetRequiredService<TracerProvider>().ForceFlush();
        Services.GetRequiredService<MeterProvider>().ForceFlush();
    }
}

public sealed partial class TelemetryTests(CapturedTelemetryFactory factory) : IClassFixture<CapturedTelemetryFactory>
{
    [Fact]
    public async Task OneUploadFromRegisterToReadyLeavesOurSpansAndMetricsAndNoSignatureTokenOrSecretAnywhere()
    {
        var content = TestData.RandomBytes(4096);
        using var api = factory.CreateClientFor(FileApiFactory.Owner);
        var queue = new object(); // a queue of three, beside the app's own (empty) one
        FileApiTelemetry.ObserveVerificationQueue(queue, () => 3);

        var upload = await api.RegisterAsync($"{factory.FilesBase}/path/telemetry/report.bin");
        using (var put = await TestData.PutBlobAsync(upload.Upload, content))
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        using (var delivered = await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload))))
            Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
        using var read = await api.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var file = (await read.Content.ReadFromJsonAsync<FileResponse>(FileApiFactory.Json))!;
        factory.Flush();

        // Spans: registration and completion carry the ids; completion runs inside the event's span, which says how it ended.
        var spans = factory.Spans.Snapshot();
        var ours = spans.Where(s => s.Source.Name == FileApiTelemetry.Name && Equals(s.GetTagItem(FileApiTelemetry.FileIdAttribute), upload.FileId.ToString())).ToList();
        var register = Assert.Single(ours, s => s.OperationName == "fileapi.register");
        var complete = Assert.Single(ours, s => s.OperationName == "fileapi.complete");
        Assert.All(ours, s => Assert.Equal(upload.VersionId, s.GetTagItem(FileApiTelemetry.VersionIdAttribute)));
        Assert.Equal(nameof(CompletionOutcome.MarkedReady), complete.GetTagItem(FileApiTelemetry.OutcomeAttribute));
        var storageEvent = Assert.Single(spans, s => s.SpanId == complete.ParentSpanId);
        Assert.Equal("fileapi.storage_event", storageEvent.OperationName);
        Assert.Equal(nameof(CompletionOutcome.MarkedReady), storageEvent.GetTagItem(FileApiTelemetry.OutcomeAttribute));
        // The libraries' spans share the traces: the request around registration, its SQL, the blob service call in completion.
        Assert.Contains(spans, s => s.SpanId == register.ParentSpanId && s.Kind == ActivityKind.Server && s.Source.Name == "Microsoft.AspNetCore");
        Assert.Contains(spans, s => s.TraceId == register.TraceId && s.Source.Name == "Npgsql");
        Assert.Contains(spans, s => s.TraceId == complete.TraceId && s.Source.Name.StartsWith("Azure.", StringComparison.Ordinal));

        // Metrics: the one upload counted as registered and ready, its bytes, its latency, and the event's outcome.
        var metrics = factory.Metrics.Snapshot().GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Last());
        Assert.True(Sum(metrics, "fileapi.versions.registered") >= 1);
        Assert.True(Sum(metrics, "fileapi.versions.ready") >= 1);
        Assert.True(Sum(metrics, "fileapi.versions.ready.bytes") >= content.Length);
        Assert.True(metrics["fileapi.versions.commit_to_ready.duration"].MetricPoints.Sum(p => p.GetHistogramCount()) >= 1);
        Assert.True(Sum(metrics, "fileapi.webhook.events", (FileApiTelemetry.OutcomeAttribute, nameof(CompletionOutcome.MarkedReady))) >= 1);
        Assert.Equal(3, metrics["fileapi.verification.queue.length"].MetricPoints.Single().GetGaugeLastValueLong());
        GC.KeepAlive(queue);

        // Nothing that grants access appears in a log entry or a span: not a link's signature, the caller's token or the webhook secret.
        string[] secrets =
        [
            Signature(upload.Upload), Uri.EscapeDataString(Signature(upload.Upload)), Signature(file.Download), Uri.EscapeDataString(Signature(file.Download)),
            api.DefaultRequestHeaders.Authorization!.Parameter!, FileApiFactory.WebhookSecret,
        ];
        var texts = factory.Logs.Entries.Snapshot().Concat(spans.Select(ActivityText.Describe)).ToList();
        Assert.Contains(texts, text => text.Contains(upload.FileId.ToString()));
        foreach (var secret in secrets)
            Assert.DoesNotContain(texts, text => text.Contains(secret, StringComparison.Ordinal));
        Assert.DoesNotContain(texts, text => SignatureParameter().IsMatch(text));
        Assert.DoesNotContain(texts, text => text.Contains("Bearer ey", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task SettingAWorkspaceQuotaLogsWhoSetItAndToWhat()
    {
        using var admin = factory.CreateClientFor(FileApiFactory.Owner); // the factory's owner is also the organisation's admin
        var quotaUrl = $"/file/v2/orgs/{factory.OrganizationId}/workspaces/{factory.WorkspaceId}/quota";

        using (var set = await admin.PutAsJsonAsync(quotaUrl, new { quota_bytes = 123_456_789 }))
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        using (var cleared = await admin.PutAsJsonAsync(quotaUrl, new { quota_bytes = (long?)null }))
            Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);

        var entries = factory.Logs.Entries.Snapshot().Where(e => e.StartsWith("FileApi.Workspaces.WorkspaceQuotas Information:", StringComparison.Ordinal)).ToList();
        var owner = FileApiFactory.UserId(FileApiFactory.Owner);
        Assert.Contains(entries, e => e.Contains($"The quota of workspace {factory.WorkspaceId} was set to 123456789 bytes by ") && e.Contains(owner));
        Assert.Contains(entries, e => e.Contains($"The quota of workspace {factory.WorkspaceId} was set to no limit by ") && e.Contains(owner));
    }

    [Fact]
    public void AFailureIsCountedUnderItsFailureCode()
    {
        using var listener = new MeterCapture("fileapi.versions.failed");

        FileApiTelemetry.VersionFailed(FailureCodes.SizeMismatch);
        FileApiTelemetry.VersionFailed(FailureCodes.Sha256Mismatch);
        FileApiTelemetry.VersionFailed(FailureCodes.TooLarge);

        Assert.Equal(["size-mismatch", "sha256-mismatch", "too-large"], listener.Reasons);
    }

    static string Signature(Uri link) => HttpUtility.ParseQueryString(link.Query)["sig"] ?? throw new InvalidOperationException($"{link} has no signature");

    static long Sum(Dictionary<string, MetricSnapshot> metrics, string name, (string Key, string Value)? tag = null) =>
        metrics[name].MetricPoints
            .Where(point => tag is null || point.Tags.ToArrayOfTags().Any(t => t.Key == tag.Value.Key && Equals(t.Value, tag.Value.Value)))
            .Sum(point => point.GetSumLong());

    // A signature as it would appear in a link: long base64, raw or percent-encoded. ("sig=Redacted" is fine.)
    [GeneratedRegex("sig=[A-Za-z0-9%+/]{16,}")]
    private static partial Regex SignatureParameter();

    /// <summary>The reason attribute of each measurement of one of our counters, on this thread, while it lives.</summary>
    sealed class MeterCapture : IDisposable
    {
        readonly System.Diagnostics.Metrics.MeterListener _listener = new();
        readonly int _thread = Environment.CurrentManagedThreadId;

        public MeterCapture(string instrument)
        {
            _listener.InstrumentPublished = (published, listener) =>
            {
                if (published.Meter.Name == FileApiTelemetry.Name && published.Name == instrument)
                    listener.EnableMeasurementEvents(published);
            };
            _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                if (Environment.CurrentManagedThreadId != _thread)
                    return;
                foreach (var tag in tags)
                    if (tag.Key == FileApiTelemetry.ReasonAttribute)
                        Reasons.Add((string)tag.Value!);
            });
            _listener.Start();
        }

        public List<string> Reasons { get; } = [];

        public void Dispose() => _listener.Dispose();
    }
}

static class MetricPointTags
{
    public static KeyValuePair<string, object?>[] ToArrayOfTags(this ReadOnlyTagCollection tags)
    {
        var all = new List<KeyValuePair<string, object?>>();
        foreach (var tag in tags)
            all.Add(tag);
        return [.. all];
    }
}
