using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using FileApi.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FileApi.Tests.Infrastructure;

/// <summary>
/// A real HTTP server on a free loopback port publishing the tenant's v2.0 OpenID configuration and a JWKS the test
/// can change, so keys travel through the library's own configuration manager as in production.
/// </summary>
public sealed class OidcServer : IAsyncDisposable
{
    public const string TenantId = LocalTokenIssuer.LocalTenantId;
    public const string V2Issuer = $"https://login.microsoftonline.com/{TenantId}/v2.0";

    readonly WebApplication _app;
    string _jwks = "";
    int _jwksRequests;

    OidcServer(WebApplication app) => _app = app;

    /// <summary>The stand-in for <c>https://login.microsoftonline.com/</c>.</summary>
    public string Instance { get; private set; } = "";

    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    readonly Lock _waitersLock = new();
    readonly List<(int Count, TaskCompletionSource Served)> _waiters = [];

    /// <summary>Completes once the JWKS has been served <paramref name="count"/> times.</summary>
    public Task JwksServed(int count)
    {
        lock (_waitersLock)
        {
            if (JwksRequests >= count) return Task.CompletedTask;
            var served = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, served));
            return served.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    void CountJwksRequest()
    {
        lock (_waitersLock)
        {
            var count = Interlocked.Increment(ref _jwksRequests);
            foreach (var waiter in _waiters.Where(waiter => waiter.Count <= count).ToList())
            {
                waiter.Served.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    public static async Task<OidcServer> StartAsync(params LocalTokenIssuer[] issuers)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new OidcServer(app);
        server.Publish(issuers);

        // Any tenant id, as Entra's instance serves every tenant; the keys are the same for all.
        app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (string tenant) =>
            Results.Json(new { issuer = $"https://login.microsoftonline.com/{tenant}/v2.0", jwks_uri = $"{server.Instance}{tenant}/discovery/v2.0/keys" }));
        app.MapGet("/{tenant}/discovery/v2.0/keys", () =>
        {
            server.CountJwksRequest();
            return Results.Text(Volatile.Read(ref server._jwks), "application/json");
        });

        await app.StartAsync();
        server.Instance = app.Urls.Single() + "/";
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

    static readonly ConcurrentDictionary<string, (string JwksPath, string Issuer)> KeyFiles = new();
    static readonly Lazy<string> KeyFileServer = new(StartKeyFileServer, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// An OpenID authority (for <c>Auth:Authority</c>) on one shared loopback server, whose discovery document names
    /// <paramref name="issuer"/> and whose JWKS is the file at <paramref name="jwksPath"/>, read on every request: a key the
    /// test rotates in the file is what the provider publishes next, and the API finds it by discovery as it would Entra's.
    /// </summary>
    public static string AuthorityFor(string jwksPath, string issuer)
    {
        var id = Guid.NewGuid().ToString("N");
        KeyFiles[id] = (jwksPath, issuer);
        return $"{KeyFileServer.Value}keyfile/{id}";
    }

    /// <summary>Settings for the <c>Auth</c> section that trust <see cref="AuthorityFor"/> (no <c>Auth:</c> prefix).</summary>
    public static Dictionary<string, string?> AuthoritySettings(string jwksPath, string issuer, string audience) => new()
    {
        ["Authority"] = AuthorityFor(jwksPath, issuer),
        // A rotated key is fetched at the first token that names it, however soon after the last fetch.
        ["KeyRefreshMinimumInterval"] = "00:00:01",
        ["Issuers:0"] = issuer,
        ["Audiences:0"] = audience,
    };

    static string StartKeyFileServer()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/keyfile/{id}/.well-known/openid-configuration", (string id, HttpRequest request) => KeyFiles.TryGetValue(id, out var entry)
            ? Results.Json(new { issuer = entry.Issuer, jwks_uri = $"{request.Scheme}://{request.Host}/keyfile/{id}/keys" })
            : Results.NotFound());
        app.MapGet("/keyfile/{id}/keys", (string id) => KeyFiles.TryGetValue(id, out var entry)
            ? Results.Text(File.ReadAllText(entry.JwksPath), "application/json")
            : Results.NotFound());
        // Lives for the whole test run, like the shared PostgreSQL and Azurite.
        app.StartAsync().GetAwaiter().GetResult();
        return app.Urls.Single() + "/";
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
