using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FileApi.DevIdentity;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Tests.Auth;

/// <summary>The API as <c>scripts/dev</c> runs it: trusting the development OpenID provider through its discovery document and JWKS.</summary>
public sealed class DevIdentityApiFactory : FileApiFactory, IAsyncLifetime
{
    DevIdentityServer? _identity;

    public DevIdentityServer Identity => _identity ?? throw new InvalidOperationException("The factory is not initialised.");

    protected override string HostEnvironment => Microsoft.Extensions.Hosting.Environments.Development;

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings => Identity.ApiSettings;

    public override async Task InitializeAsync()
    {
        _identity = await DevIdentityServer.StartAsync();
        await base.InitializeAsync();
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_identity is not null) await _identity.DisposeAsync();
    }
}

public sealed class DevIdentityTests(DevIdentityApiFactory api) : IClassFixture<DevIdentityApiFactory>
{
    DevIdentityServer Identity => api.Identity;

    [Fact]
    public async Task ATokenFromTheLocalProviderIsShapedLikeEntrasAndTheApiAcceptsIt()
    {
        var token = await Identity.TokenForAsync(FileApiFactory.Owner);

        var claims = TestTokens.PayloadOf(token);
        Assert.Equal(FileApiFactory.UserId(FileApiFactory.Owner), claims["oid"]!.GetValue<string>());
        Assert.Equal(FileApi.Auth.LocalTokenIssuer.LocalTenantId, claims["tid"]!.GetValue<string>());
        Assert.Equal(("access_as_user", "2.0", DevIdentityServer.ApiAudience, Identity.Issuer),
            (claims["scp"]!.GetValue<string>(), claims["ver"]!.GetValue<string>(), claims["aud"]!.GetValue<string>(), claims["iss"]!.GetValue<string>()));
        Assert.Equal((FileApiFactory.Owner, $"{FileApiFactory.Owner}@localhost"), (claims["name"]!.GetValue<string>(), claims["preferred_username"]!.GetValue<string>()));
        using var response = await GetWorkspacesAsync(token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(api.WorkspaceId.ToString(), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AKeyRotatedAtTheProviderIsPickedUpByTheRunningApi()
    {
        using (var before = await GetWorkspacesAsync(await Identity.TokenForAsync(FileApiFactory.Owner)))
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        var newKeyId = await Identity.RotateKeysAsync();
        var token = await Identity.TokenForAsync(FileApiFactory.Owner);

        Assert.Equal(newKeyId, TestTokens.HeaderOf(token)["kid"]!.GetValue<string>());
        // As with Entra, the first call naming the new kid starts a JWKS fetch in the background.
        Assert.Equal(HttpStatusCode.OK, await StatusOnceKeysAreInUseAsync(token));
    }

    [Fact]
    public async Task ADeviceCodeCompletedOnTheVerificationPageGivesTheUserATokenTheApiAccepts()
    {
        using var started = await Identity.Http.PostAsync($"{Identity.Authority}/oauth2/v2.0/devicecode", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = DevIdentityServer.CliClientId,
            ["scope"] = $"{DevIdentityServer.Scope} openid offline_access",
        }));
        var device = (await started.Content.ReadFromJsonAsync<JsonObject>())!;

        await Identity.CompleteDeviceCodeAsync(device["verification_uri"]!.GetValue<string>(), device["user_code"]!.GetValue<string>(), "devicer");
        using var redeemed = await Identity.Http.PostAsync($"{Identity.Authority}/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:device_code",
            ["client_id"] = DevIdentityServer.CliClientId,
            ["device_code"] = device["device_code"]!.GetValue<string>(),
        }));
        var tokens = (await redeemed.Content.ReadFromJsonAsync<JsonObject>())!;

        Assert.True(redeemed.IsSuccessStatusCode, tokens.ToJsonString());
        Assert.NotNull(tokens["refresh_token"]);
        var accessToken = tokens["access_token"]!.GetValue<string>();
        Assert.Equal(FileApiFactory.UserId("devicer"), TestTokens.PayloadOf(accessToken)["oid"]!.GetValue<string>());
        using var response = await GetWorkspacesAsync(accessToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task TheLocalUserGrantRefusesANameThatIsNotAUserName()
    {
        using var response = await Identity.Http.PostAsync($"{Identity.Authority}/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = LocalUsers.LocalUserGrantType,
            ["username"] = "not a name",
            ["client_id"] = DevIdentityServer.CliClientId,
            ["scope"] = DevIdentityServer.Scope,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_grant", (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task InDevelopmentTheApiItselfHasNoRouteThatHandsOutTokens()
    {
        // Tokens come from the provider only: the API maps nothing under /dev, nothing that signs in or answers a token.
        var routes = api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(endpoint => "/" + endpoint.RoutePattern.RawText?.TrimStart('/')).ToList();
        Assert.Contains(routes, route => route.StartsWith("/file/v2/", StringComparison.Ordinal));
        Assert.DoesNotContain(routes, route => route.StartsWith("/dev", StringComparison.OrdinalIgnoreCase)
            || route.Contains("token", StringComparison.OrdinalIgnoreCase) || route.Contains("sign-in", StringComparison.OrdinalIgnoreCase));
        using var response = await api.CreateClient().PostAsJsonAsync("/dev/sign-in", new { user = FileApiFactory.Owner });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    async Task<HttpResponseMessage> GetWorkspacesAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/file/v2/workspaces");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await api.CreateClient().SendAsync(request);
    }

    async Task<HttpStatusCode> StatusOnceKeysAreInUseAsync(string token)
    {
        return await Eventually.LastReadAsync(async () =>
        {
            using var response = await GetWorkspacesAsync(token);
            return response.StatusCode;
        }, status => status != HttpStatusCode.Unauthorized);
    }
}
