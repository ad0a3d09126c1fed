using System.Net;
using System.Net.Sockets;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;

namespace FileApi.Tests.Browser;

/// <summary>
/// The API on Kestrel over real HTTP at 127.0.0.1, trusting the development OpenID provider (a page signs in there with
/// MSAL.js). A browser's factory also writes the blob service's CORS rules for its origin at start, as <c>scripts/dev</c>
/// runs it; the others must not, because those rules belong to the one Azurite every test class shares, and a class
/// outside <see cref="BlobServiceCorsCollection"/> writing them would take them from a browser test mid-upload.
/// </summary>
public sealed class KestrelFileApiFactory : FileApiFactory, IAsyncLifetime
{
    readonly TimeSpan _accessTokenLifetime;
    readonly bool _writesCorsRulesForItsOrigin;
    DevIdentityServer? _identity;

    public KestrelFileApiFactory() : this(TimeSpan.FromHours(1), writesCorsRulesForItsOrigin: false) { }

    internal KestrelFileApiFactory(TimeSpan accessTokenLifetime, bool writesCorsRulesForItsOrigin)
    {
        _accessTokenLifetime = accessTokenLifetime;
        _writesCorsRulesForItsOrigin = writesCorsRulesForItsOrigin;
        Port = FreeLoopbackPort();
        this.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, Port));
        ClientOptions.BaseAddress = new Uri(Origin);
    }

    public int Port { get; }

    public DevIdentityServer Identity => _identity ?? throw new InvalidOperationException("The factory is not initialised.");

    /// <summary>The API trusts only the provider here, so a test's own calls use the provider's tokens too.</summary>
    public override string TokenFor(string userName, IDictionary<string, object>? extraClaims = null) => extraClaims is null
        ? Identity.TokenForAsync(userName).GetAwaiter().GetResult()
        : throw new NotSupportedException("The development provider decides the claims of its tokens.");

    public override async Task InitializeAsync()
    {
        _identity = await DevIdentityServer.StartAsync(_accessTokenLifetime, [$"{Origin}/app/"]);
        await base.InitializeAsync();
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_identity is not null) await _identity.DisposeAsync();
    }

    protected override string HostEnvironment => Microsoft.Extensions.Hosting.Environments.Development;

    public string Origin => $"http://127.0.0.1:{Port}";

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
    [
        .. (_writesCorsRulesForItsOrigin ? [new KeyValuePair<string, string>("Storage:CorsAllowedOrigins:0", Origin)] : Array.Empty<KeyValuePair<string, string>>()),
        .. Identity.ApiSettings,
        new("BrowserSignIn:ClientId", DevIdentityServer.BrowserClientId),
        new("BrowserSignIn:Authority", Identity.Authority),
        new("BrowserSignIn:Scope", DevIdentityServer.Scope),
        // An expired token is refused at once, so a page that failed to renew one would fail its upload.
        new("Auth:ClockSkew", "00:00:00"),
        // Tokens shorter-lived than MSAL's default renewal margin (5 minutes) are renewed once they expire.
        new("BrowserSignIn:TokenRenewalOffsetSeconds", _accessTokenLifetime < TimeSpan.FromMinutes(10) ? "0" : "300"),
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
public class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    IPlaywright? _playwright;
    IBrowser? _browser;

    public BrowserFixture() : this(TimeSpan.FromHours(1)) { }

    /// <param name="accessTokenLifetime">Of the provider's access tokens: short for a test that outlives one.</param>
    protected BrowserFixture(TimeSpan accessTokenLifetime) => Api = new KestrelFileApiFactory(accessTokenLifetime, writesCorsRulesForItsOrigin: true);

    public KestrelFileApiFactory Api { get; }

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
            // The provider's self-signed certificate (MSAL.js refuses an http authority); only loopback servers are visited.
            IgnoreHTTPSErrors = true,
            ViewportSize = new ViewportSize { Width = 1000, Height = 720 },
        });
        var page = await context.NewPageAsync();
        // Two shared cores run the API, Azurite, PostgreSQL and the browser: waits are generous, never assertions on time.
        page.SetDefaultTimeout(60_000);
        await page.GotoAsync($"{Api.Origin}/app/{query}");
        return page;
    }

    /// <summary>Signs in as a user would: the page's Sign in, the provider's login form, and back to the page, signed in.</summary>
    public async Task SignInAsync(IPage page, string userName)
    {
        await page.ClickAsync("#microsoft-sign-in");
        await page.WaitForURLAsync($"{Api.Identity.Url}login**");
        await page.FillAsync("#username", userName);
        await page.ClickAsync("#sign-in");
        await page.Locator("#account:not([hidden])").WaitForAsync();
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
            await _browser.CloseAsync();
        _playwright?.Dispose();
        await Api.DisposeAsync();
    }
}
