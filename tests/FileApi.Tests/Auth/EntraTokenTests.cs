using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FileApi.Auth;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FileApi.Tests.Auth;

/// <summary>
/// The Entra path (Microsoft.Identity.Web) against a real HTTP server standing in for login.microsoftonline.com:
/// its OpenID configuration and JWKS, which the tests rotate. Each test starts with the keys fetched once.
/// </summary>
public sealed class EntraTokenTests : IAsyncLifetime
{
    const string TenantId = LocalTokenIssuer.LocalTenantId;
    const string ClientId = "0b7e3c52-5c1b-4d8e-9d43-8a4d2c1f9e10";
    const string V2Issuer = $"https://login.microsoftonline.com/{TenantId}/v2.0";
    const string V1Issuer = $"https://sts.windows.net/{TenantId}/";

    readonly TemporaryDirectory _directory = new();
    readonly LocalTokenIssuer _current;
    readonly LocalTokenIssuer _next;
    OidcServer? _oidc;
    AuthTestHost? _host;

    public EntraTokenTests()
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
            ["TenantId"] = TenantId,
            ["ClientId"] = ClientId,
            ["Instance"] = Oidc.Instance,
            ["RequireHttpsMetadata"] = "false",
        });

        using var first = await Host.GetCallerAsync(MintWith(_current));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(1, Oidc.JwksRequests);
    }

    string MintWith(LocalTokenIssuer issuer, string tokenIssuer = V2Issuer, string audience = ClientId) =>
        issuer.Mint(LocalTokenIssuer.UserIdFor("user").ToString(), "user", null, tokenIssuer, audience, TimeSpan.FromHours(1));

    [Theory]
    [InlineData(V2Issuer, ClientId)]
    [InlineData(V1Issuer, $"api://{ClientId}")]
    public async Task BothIssuerFormsAndBothAudiencesOfTheTenantAreAccepted(string issuer, string audience)
    {
        using var response = await Host.GetCallerAsync(MintWith(_current, issuer, audience));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var caller = await response.Content.ReadFromJsonAsync<CallerIdentity>();
        // The token's own claim names reach our code: oid and tid, not the mapped WS-Federation URIs.
        Assert.Equal(LocalTokenIssuer.UserIdFor("user").ToString(), caller!.Id);
        Assert.Equal(TenantId, caller.TenantId);
    }

    [Theory]
    [InlineData("https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0")]
    [InlineData("https://login.microsoftonline.com/common/v2.0")]
    [InlineData("https://sts.windows.net/11111111-2222-3333-4444-555555555555/")]
    public async Task AnotherTenantsIssuerIsRejectedWithoutAskingTheNetwork(string issuer)
    {
        using var response = await Host.GetCallerAsync(MintWith(_current, issuer));

        // Our validator answered: Identity.Web's own would look the issuer's tenant up online and answer otherwise.
        // The library may read our own tenant's keys once more (within Auth:KeyRefreshMinimumInterval), nothing else.
        await BearerTokenTests.AssertRejectedAsync(Host, response, "The token's issuer is not accepted.", endpointCallsBefore: 1);
        Assert.InRange(Oidc.JwksRequests, 1, 2);
    }

    [Fact]
    public async Task AnAppOnlyTokenIsForbiddenOnAUserEndpoint()
    {
        var token = _current.MintApp("daemon", V2Issuer, ClientId, TimeSpan.FromHours(1), ["AzureEventGridSecureWebhookSubscriber"]);

        using var response = await Host.GetCallerAsync(token);

        await BearerTokenTests.AssertForbiddenAsync(Host, response, endpointCallsBefore: 1);
    }

    [Fact]
    public async Task TokenSignedWithANewlyPublishedKeyIsAcceptedWithoutRestart()
    {
        Oidc.Publish(_current, _next);
        var token = MintWith(_next);

        // The first request naming the new kid is refused and makes the library fetch the keys again, in the background.
        using var first = await Host.GetCallerAsync(token);
        await Oidc.JwksServed(2);

        Assert.Equal(HttpStatusCode.Unauthorized, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await StatusOnceKeysAreInUseAsync(token));
        Assert.Equal(2, Oidc.JwksRequests);
    }

    [Fact]
    public async Task UnknownKeyIdsRefreshTheKeysAtMostOncePerMinimumInterval()
    {
        var unknownKeyToken = MintWith(_next);

        using (var first = await Host.GetCallerAsync(unknownKeyToken))
            Assert.Contains("signing key is unknown", first.Headers.NonValidated["WWW-Authenticate"].ToString());
        await Oidc.JwksServed(2);
        for (var i = 0; i < 5; i++)
        {
            using var response = await Host.GetCallerAsync(unknownKeyToken);
            Assert.Contains("signing key is unknown", response.Headers.NonValidated["WWW-Authenticate"].ToString());
        }

        // One refresh for the first unknown kid; the rest fall within Auth:KeyRefreshMinimumInterval (five minutes).
        Assert.Equal(2, Oidc.JwksRequests);
    }

    [Fact]
    public async Task ConcurrentRequestsWithANewKeyIdShareOneRefresh()
    {
        Oidc.Publish(_current, _next);
        var token = MintWith(_next);

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Host.GetCallerAsync(token)));
        await Oidc.JwksServed(2);

        Assert.Equal(HttpStatusCode.OK, await StatusOnceKeysAreInUseAsync(token));
        Assert.Equal(2, Oidc.JwksRequests);
        foreach (var response in responses) response.Dispose();
    }

    // The JWKS has been served; the library may still be reading it. Asks again until it answers otherwise than
    // "unknown key", a bounded number of times.
    async Task<HttpStatusCode> StatusOnceKeysAreInUseAsync(string token)
    {
        return await Eventually.LastReadAsync(async () =>
        {
            using var response = await Host.GetCallerAsync(token);
            return response.StatusCode;
        }, status => status != HttpStatusCode.Unauthorized);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        if (_oidc is not null) await _oidc.DisposeAsync();
        _current.Dispose();
        _next.Dispose();
        _directory.Dispose();
    }
}
