using System.Net;
using System.Net.Sockets;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;

namespace FileApi.Tests.Browser;

/// <summary>
/// The API on Kestrel over real HTTP at 127.0.0.1, so a browser can load the uploader page from it, with development
/// sign-in on and the blob service's CORS rules written for its origin, as <c>scripts/dev</c> runs it.
/// </summary>
public sealed class KestrelFileApiFactory : FileApiFactory
{
    public KestrelFileApiFactory()
    {
        Port = FreeLoopbackPort();
        this.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, Port));
        ClientOptions.BaseAddress = new Uri(Origin);
    }

    public int Port { get; }

    protected override string HostEnvironment => Microsoft.Extensions.Hosting.Environments.Development;

    public string Origin => $"http://127.0.0.1:{Port}";

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
    [
        new("Storage:CorsAllowedOrigins:0", Origin),
    ];

    static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// One API and one headless Chromium per test class. Chromium is Debian's (<c>/usr/bin/chromium</c>, installed by
/// scripts/test); Playwright drives it and never downloads a browser of its own. Disposing closes the browser and
/// stops Playwright's driver, the two processes this started.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    IPlaywright? _playwright;
    IBrowser? _browser;

    public KestrelFileApiFactory Api { get; } = new();

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser is not started.");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's chromium package (apt-get install chromium; scripts/test does).");
        await Api.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
        });
    }

    /// <summary>A fresh browser profile (its own storage) with a page at the uploader.</summary>
    public async Task<IPage> OpenUploaderAsync(string query = "")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            AcceptDownloads = true,
            ViewportSize = new ViewportSize { Width = 1000, Height = 720 },
        });
        var page = await context.NewPageAsync();
        // Two shared cores run the API, Azurite, PostgreSQL and the browser: waits are generous, never assertions on time.
        page.SetDefaultTimeout(60_000);
        await page.GotoAsync($"{Api.Origin}/app/{query}");
        return page;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
            await _browser.CloseAsync();
        _playwright?.Dispose();
        await Api.DisposeAsync();
    }
}
