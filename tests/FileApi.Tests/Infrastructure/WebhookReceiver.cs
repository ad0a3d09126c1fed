using System.Collections.Concurrent;
using System.Net;
using System.Net.Mime;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FileApi.Tests.Infrastructure;

/// <summary>
/// A real Kestrel listener on 127.0.0.1 that plays a platform receiving FileApi's webhooks: it records every
/// request and answers 204, or the statuses queued with <see cref="AnswerNext"/>.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly ConcurrentQueue<int> _answers = new();
    readonly List<ReceivedWebhook> _received = [];
    readonly List<(Func<ReceivedWebhook, bool> Match, TaskCompletionSource<ReceivedWebhook> Arrived)> _waiters = [];

    WebhookReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var receiver = new WebhookReceiver(builder.Build());
        receiver._app.MapPost("/hooks", receiver.ReceiveAsync);
        await receiver._app.StartAsync();
        var address = receiver._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.Url = new Uri(address.TrimEnd('/') + "/hooks");
        return receiver;
    }

    /// <summary>The next requests are answered with these statuses, in order; later ones with 204.</summary>
    public void AnswerNext(params int[] statuses)
    {
        foreach (var status in statuses)
            _answers.Enqueue(status);
    }

    public IReadOnlyList<ReceivedWebhook> Received
    {
        get
        {
            lock (_received)
                return [.. _received];
        }
    }

    /// <summary>The first request, already received or still to come, that matches; gives up after a minute so a broken feature fails rather than hangs.</summary>
    public Task<ReceivedWebhook> WaitForAsync(Func<ReceivedWebhook, bool> match)
    {
        lock (_received)
        {
            if (_received.FirstOrDefault(match) is { } already)
                return Task.FromResult(already);
            var arrived = new TaskCompletionSource<ReceivedWebhook>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, arrived));
            return arrived.Task.WaitAsync(TimeSpan.FromMinutes(1));
        }
    }

    public Task<ReceivedWebhook> WaitForEventAsync(string type, string subject, int attempt = 1) =>
        WaitForAsync(webhook => webhook.Type == type && webhook.Subject == subject && webhook.Attempt == attempt);

    async Task ReceiveAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync();
        var status = _answers.TryDequeue(out var queued) ? queued : StatusCodes.Status204NoContent;
        var headers = new HeaderDictionary(http.Request.Headers.ToDictionary(h => h.Key, h => h.Value));
        lock (_received)
        {
            var attempt = 1 + _received.Count(r => r.Headers["webhook-id"] == headers["webhook-id"]);
            var webhook = new ReceivedWebhook(headers, body, http.Request.ContentType, status, attempt);
            _received.Add(webhook);
            foreach (var waiter in _waiters.Where(w => w.Match(webhook)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Arrived.TrySetResult(webhook);
            }
        }
        http.Response.StatusCode = status;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One request as the receiver got it, and the status it answered.</summary>
public sealed record ReceivedWebhook(IHeaderDictionary Headers, string Body, string? ContentType, int AnsweredStatus, int Attempt)
{
    static readonly JsonEventFormatter Formatter = new();

    /// <summary>The body read by the CloudEvents SDK, so only a valid structured-mode CloudEvent parses.</summary>
    public CloudEvent CloudEvent => Formatter.DecodeStructuredModeMessage(System.Text.Encoding.UTF8.GetBytes(Body), new ContentType(ContentType!), null);

    public JsonElement Data => (JsonElement)CloudEvent.Data!;

    public string? Type => JsonDocument.Parse(Body).RootElement.GetProperty("type").GetString();

    public string? Subject => JsonDocument.Parse(Body).RootElement.GetProperty("subject").GetString();
}
