using System.Collections.Concurrent;
using Azure.Messaging.EventGrid;
using FileApi.LocalEventGrid;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Tests.Infrastructure;

/// <summary>
/// The local event stand-in (src/FileApi.LocalEventGrid), in this process on a real loopback port in front of
/// <see cref="AzuriteServer.Instance"/>, delivering to <paramref name="webhook"/> (usually a factory's in-memory server).
/// It records every event it delivered, whatever the answer.
/// </summary>
public sealed class LocalEventGridProxy : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly ConcurrentQueue<EventGridEvent> _delivered = new();

    LocalEventGridProxy(Func<HttpMessageHandler> webhook, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var azurite = AzuriteServer.Instance;
        _app = StandInApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(
            [
                new("Azurite:ServiceUri", azurite.ServiceUri.GetLeftPart(UriPartial.Authority)),
                new("Azurite:AccountName", azurite.AccountName),
                new("Azurite:AccountKey", azurite.AccountKey),
                new("EventGrid:WebhookUrl", "http://localhost/events/storage"),
                new("EventGrid:WebhookSecret", FileApiFactory.WebhookSecret),
                new("Logging:LogLevel:Default", "Warning"),
                .. settings,
            ]);
            builder.Services.AddHttpClient(EventDelivery.WebhookClient).ConfigurePrimaryHttpMessageHandler(() => new Recorder(_delivered, webhook()));
        });
    }

    /// <summary>The blob endpoint through the proxy, path style: <c>http://127.0.0.1:port/devstoreaccount1</c>.</summary>
    public Uri ServiceUri { get; private set; } = null!;

    public EventDelivery Events => _app.Services.GetRequiredService<EventDelivery>();

    public IReadOnlyCollection<EventGridEvent> Delivered => _delivered;

    public static async Task<LocalEventGridProxy> StartAsync(Func<HttpMessageHandler> webhook, params KeyValuePair<string, string?>[] settings)
    {
        var proxy = new LocalEventGridProxy(webhook, settings);
        await proxy._app.StartAsync();
        var address = proxy._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        proxy.ServiceUri = new Uri($"{address}/{AzuriteServer.EmulatorAccountName}");
        return proxy;
    }

    /// <summary>The same link (path and signature untouched) addressed to the proxy instead of Azurite.</summary>
    public Uri Via(Uri link) => new UriBuilder(link) { Host = ServiceUri.Host, Port = ServiceUri.Port }.Uri;

    /// <summary>Events delivered for one blob of a container.</summary>
    public List<EventGridEvent> DeliveredFor(string container, string blobName) =>
        _delivered.Where(e => e.Subject == $"/blobServices/default/containers/{container}/blobs/{blobName}").ToList();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    sealed class Recorder(ConcurrentQueue<EventGridEvent> delivered, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            foreach (var delivery in EventGridEvent.ParseMany(BinaryData.FromBytes(body)))
                delivered.Enqueue(delivery);
            // Sent on as received: the recording must not change what the webhook sees.
            var forwarded = new ByteArrayContent(body);
            foreach (var header in request.Content.Headers)
                forwarded.Headers.TryAddWithoutValidation(header.Key, header.Value);
            request.Content = forwarded;
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
