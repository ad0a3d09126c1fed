using System.Net;
using System.Text.Json.Nodes;
using FileApi.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FileApi.Tests.Auth;

/// <summary>
/// Each test starts with the host having fetched the issuer's keys once, through a real OpenID configuration
/// endpoint, and then rotates, withdraws or asks for keys.
/// </summary>
public sealed class SigningKeyRefreshTests : IAsyncLifetime
{
    static readonly TimeSpan MinimumInterval = TimeSpan.FromMinutes(5);

    readonly TemporaryDirectory _directory = new();
    readonly LocalTokenIssuer _current;
    readonly LocalTokenIssuer _next;
    readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    OidcServer? _oidc;
    AuthTestHost? _host;

    public SigningKeyRefreshTests()
    {
        _current = LocalTokenIssuer.LoadOrCreate(Path.Combine(_directory.Path, "current"));
        _next = LocalTokenIssuer.LoadOrCreate(Path.Combine(_directory.Path, "next"));
    }

    OidcServer Oidc => _oidc!;

    AuthTestHost Host => _host!;

    public async Task InitializeAsync()
    {
        _oidc = await OidcServer.StartAsync(_current);
        _host = await AuthTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Authority"] = Oidc.Authority,
            ["RequireHttpsMetadata"] = "false",
            ["Issuers:0"] = AuthTestHost.Issuer,
            ["Audiences:0"] = AuthTestHost.Audience,
            ["KeyRefreshMinimumInterval"] = MinimumInterval.ToString(),
        }, _clock);

        using var first = await Host.GetCallerAsync(MintWith(_current));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(1, Oidc.JwksRequests);
    }

    // Tokens outlive the clock's jumps, so a rejection here is about keys, never expiry.
    string MintWith(LocalTokenIssuer issuer) =>
        issuer.Mint("user", "user", null, AuthTestHost.Issuer, AuthTestHost.Audience, TimeSpan.FromDays(2));

    async Task AssertUnknownKeyAsync(string token)
    {
        using var response = await Host.GetCallerAsync(token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("signing key is unknown", response.Headers.NonValidated["WWW-Authenticate"].ToString());
    }

    [Fact]
    public async Task TokenSignedWithANewlyPublishedKeyIsAcceptedWithoutRestart()
    {
        Oidc.Publish(_current, _next);
        _clock.Advance(MinimumInterval);

        using var afterRotation = await Host.GetCallerAsync(MintWith(_next));

        Assert.Equal(HttpStatusCode.OK, afterRotation.StatusCode);
        Assert.Equal(2, Oidc.JwksRequests);
    }

    [Fact]
    public async Task UnknownKeyIdsRefreshTheKeysAtMostOncePerMinimumInterval()
    {
        var unknownKeyToken = MintWith(_next);

        for (var i = 0; i < 5; i++) await AssertUnknownKeyAsync(unknownKeyToken);
        var requestsWithinInterval = Oidc.JwksRequests;
        _clock.Advance(MinimumInterval);
        for (var i = 0; i < 5; i++) await AssertUnknownKeyAsync(unknownKeyToken);

        Assert.Equal(1, requestsWithinInterval);
        Assert.Equal(2, Oidc.JwksRequests);
    }

    [Fact]
    public async Task ConcurrentRequestsWithANewKeyIdShareOneRefresh()
    {
        Oidc.Publish(_current, _next);
        _clock.Advance(MinimumInterval);
        var token = MintWith(_next);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Host.GetCallerAsync(token)));

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.Equal(2, Oidc.JwksRequests);
        foreach (var response in responses) response.Dispose();
    }

    [Fact]
    public async Task KeysAreFetchedAgainAfterADayEvenWithoutAnUnknownKeyId()
    {
        // The issuer withdraws the key; a day later the cache notices.
        Oidc.Publish(_next);
        _clock.Advance(TimeSpan.FromHours(24));

        await AssertUnknownKeyAsync(MintWith(_current));
        Assert.Equal(2, Oidc.JwksRequests);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        if (_oidc is not null) await _oidc.DisposeAsync();
        _current.Dispose();
        _next.Dispose();
        _directory.Dispose();
    }

    /// <summary>
    /// A real HTTP server on a free loopback port publishing an OpenID configuration and a JWKS the test can change,
    /// so the key provider is exercised through IHttpClientFactory as in production.
    /// </summary>
    sealed class OidcServer : IAsyncDisposable
    {
        readonly WebApplication _app;
        string _jwks = "";
        int _jwksRequests;

        OidcServer(WebApplication app) => _app = app;

        public string Authority { get; private set; } = "";

        public int JwksRequests => Volatile.Read(ref _jwksRequests);

        public static async Task<OidcServer> StartAsync(params LocalTokenIssuer[] issuers)
        {
            var builder = WebApplication.CreateBuilder();
            builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var server = new OidcServer(app);
            server.Publish(issuers);

            app.MapGet("/.well-known/openid-configuration", () =>
                Results.Json(new { issuer = AuthTestHost.Issuer, jwks_uri = $"{server.Authority}/discovery/keys" }));
            app.MapGet("/discovery/keys", () =>
            {
                Interlocked.Increment(ref server._jwksRequests);
                return Results.Text(Volatile.Read(ref server._jwks), "application/json");
            });

            await app.StartAsync();
            server.Authority = app.Urls.Single();
            return server;
        }

        /// <summary>Replaces the published keys with those of <paramref name="issuers"/>.</summary>
        public void Publish(params LocalTokenIssuer[] issuers)
        {
            var keys = new JsonArray();
            foreach (var issuer in issuers)
            {
                foreach (var key in JsonNode.Parse(File.ReadAllText(issuer.PublicKeysPath))!["keys"]!.AsArray())
                    keys.Add(key!.DeepClone());
            }

            Volatile.Write(ref _jwks, new JsonObject { ["keys"] = keys }.ToJsonString());
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
