// Why this exists: Azurite raises no events, and there is no official local Event Grid to put beside it. In Azure the
// blob service itself raises Microsoft.Storage.BlobCreated when a write commits, and Event Grid delivers it to the
// API's webhook. This stand-in is that pair for a developer machine: a reverse proxy (YARP) in front of Azurite that
// forwards every request unchanged and, when a write that creates a blob commits, delivers the event the real service
// would. Its cost follows the writes that pass through it, never the number of blobs stored.
using System.Net;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace FileApi.LocalEventGrid;

public static class StandInApp
{
    public static void Main(string[] args) => Build(args).Run();

    /// <summary>The proxy, not yet started; <paramref name="configure"/> lets a test swap settings or the webhook's handler.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        // Put Blob and Put Block carry up to several GiB; the blob service, not the proxy, sets the limits.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);
        builder.Services.AddOptions<AzuriteOptions>().BindConfiguration(AzuriteOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<EventGridOptions>().BindConfiguration(EventGridOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHttpForwarder();
        builder.Services.AddHttpClient(EventDelivery.WebhookClient);
        builder.Services.AddSingleton<EventDelivery>();
        builder.Services.AddSingleton<CommitTransformer>();
        configure?.Invoke(builder);

        var app = builder.Build();
        var upstream = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false, AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None, UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(15), ActivityHeadersPropagator = null,
            // Azurite closes a connection idle for 5 s; one reused at that moment would be reset under a forwarded write.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(2),
        });
        var forwarding = new ForwarderRequestConfig
        {
            ActivityTimeout = TimeSpan.FromMinutes(5), Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        var destination = app.Services.GetRequiredService<IOptions<AzuriteOptions>>().Value.ServiceUri.GetLeftPart(UriPartial.Authority);
        var transformer = app.Services.GetRequiredService<CommitTransformer>();
        // A failure to reach Azurite is answered 502 by the forwarder itself.
        app.Map("/{**path}", async (HttpContext context, IHttpForwarder forwarder) =>
        {
            await forwarder.SendAsync(context, destination, upstream, forwarding, transformer);
        });
        app.Lifetime.ApplicationStopped.Register(upstream.Dispose);
        return app;
    }
}
