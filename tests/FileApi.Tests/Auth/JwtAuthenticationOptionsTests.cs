using System.Net;
using System.Security.Cryptography;
using FileApi.Auth;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace FileApi.Tests.Auth;

public sealed class JwtAuthenticationOptionsTests(SigningKeysFixture keys) : IClassFixture<SigningKeysFixture>
{
    const string TenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const string ClientId = "0b7e3c52-5c1b-4d8e-9d43-8a4d2c1f9e10";

    [Fact]
    public void TenantAndClientIdImplyBothEntraIssuersAndAudiences()
    {
        var options = new JwtAuthenticationOptions { TenantId = TenantId, ClientId = ClientId };

        Assert.Equal([$"https://login.microsoftonline.com/{TenantId}/v2.0", $"https://sts.windows.net/{TenantId}/"], options.EffectiveIssuers());
        Assert.Equal([ClientId, $"api://{ClientId}"], options.EffectiveAudiences());
        Assert.Equal(["RS256", "ES256"], options.EffectiveAllowedAlgorithms());
    }

    [Fact]
    public void ExplicitSettingsWinOverTheEntraDefaults()
    {
        var options = new JwtAuthenticationOptions
        {
            TenantId = TenantId,
            ClientId = ClientId,
            Issuers = ["https://issuer.example.test"],
            Audiences = ["api://explicit"],
        };

        Assert.Equal(["https://issuer.example.test"], options.EffectiveIssuers());
        Assert.Equal(["api://explicit"], options.EffectiveAudiences());
    }

    [Theory]
    [InlineData($"https://login.microsoftonline.com/{TenantId}/v2.0", ClientId)]
    [InlineData($"https://sts.windows.net/{TenantId}/", $"api://{ClientId}")]
    public async Task EntraTokenIsAcceptedWithOnlyTenantAndClientIdConfigured(string issuer, string audience)
    {
        await using var entra = await OidcServer.StartAsync(keys.Issuer);
        await using var host = await AuthTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["TenantId"] = TenantId,
            ["ClientId"] = ClientId,
            ["Instance"] = entra.Instance,
            ["RequireHttpsMetadata"] = "false",
        });

        using var response = await host.GetCallerAsync(keys.Mint(issuer: issuer, audience: audience));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AlgorithmLeftOutOfAllowedAlgorithmsIsRejected()
    {
        var settings = AuthTestHost.LocalKeySettings(keys.JwksPath);
        settings["AllowedAlgorithms:0"] = "RS256";
        await using var host = await AuthTestHost.StartAsync(settings);
        var payload = TestTokens.PayloadOf(keys.Mint()).ToJsonString();
        var es256Token = TestTokens.Sign(new { alg = "ES256", kid = SigningKeysFixture.EcKeyId }, payload,
            data => keys.EcKey.SignData(data, HashAlgorithmName.SHA256));

        using var rejected = await host.GetCallerAsync(es256Token);

        await BearerTokenTests.AssertRejectedAsync(host, rejected, "The token's signature is invalid.");
        using var accepted = await host.GetCallerAsync(keys.Mint());
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task HostWithoutAnySigningKeySourceFailsToStart()
    {
        var settings = new Dictionary<string, string?> { ["Issuers:0"] = AuthTestHost.Issuer, ["Audiences:0"] = AuthTestHost.Audience };

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => AuthTestHost.StartAsync(settings));

        Assert.Contains("Auth:Authority", error.Message);
    }

    [Fact]
    public async Task HostWithoutAudienceFailsToStart()
    {
        var settings = AuthTestHost.LocalKeySettings(keys.JwksPath);
        settings.Remove("Audiences:0");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => AuthTestHost.StartAsync(settings));

        Assert.Contains("Auth:Audiences", error.Message);
    }

    [Theory]
    [InlineData("HS256")]
    [InlineData("none")]
    [InlineData("RS1")]
    public async Task AllowingAnUnsafeAlgorithmFailsToStart(string algorithm)
    {
        var settings = AuthTestHost.LocalKeySettings(keys.JwksPath);
        settings["AllowedAlgorithms:0"] = algorithm;

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => AuthTestHost.StartAsync(settings));

        Assert.Contains("Auth:AllowedAlgorithms", error.Message);
    }

    [Theory]
    [InlineData("common")]
    [InlineData("organizations")]
    [InlineData("contoso.onmicrosoft.com")]
    public async Task EntraWithoutOneTenantIdFailsToStart(string tenant)
    {
        var settings = new Dictionary<string, string?> { ["TenantId"] = tenant, ["ClientId"] = ClientId };

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => AuthTestHost.StartAsync(settings));

        Assert.Contains("Auth:TenantId", error.Message);
    }

    [Fact]
    public async Task UserEndpointsRequireTheConfiguredScope()
    {
        var settings = AuthTestHost.LocalKeySettings(keys.JwksPath);
        settings["Scope"] = "Files.Access";
        await using var host = await AuthTestHost.StartAsync(settings);

        using var defaultScope = await host.GetCallerAsync(keys.Mint());
        using var configuredScope = await host.GetCallerAsync(keys.Mint(extraClaims: new Dictionary<string, object> { ["scp"] = "Files.Access" }));

        Assert.Equal(HttpStatusCode.Forbidden, defaultScope.StatusCode);
        Assert.Equal(HttpStatusCode.OK, configuredScope.StatusCode);
    }

    [Fact]
    public async Task TheLimitsReachTheJwtBearerOptions()
    {
        var settings = AuthTestHost.LocalKeySettings(keys.JwksPath);
        settings["ClockSkew"] = "00:01:00";
        settings["MaxTokenLength"] = "4096";
        settings["KeyRefreshMinimumInterval"] = "00:10:00";
        await using var host = await AuthTestHost.StartAsync(settings);

        var bearer = host.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);

        Assert.False(bearer.MapInboundClaims);
        Assert.Equal(TimeSpan.FromMinutes(1), bearer.TokenValidationParameters.ClockSkew);
        Assert.True(bearer.TokenValidationParameters.RequireExpirationTime);
        Assert.Equal(["RS256", "ES256"], bearer.TokenValidationParameters.ValidAlgorithms);
        var handler = Assert.IsType<ValidatedTokenCache>(Assert.Single(bearer.TokenHandlers));
        Assert.Equal(4096, handler.MaximumTokenSizeInBytes);
        Assert.False(handler.MapInboundClaims);
        Assert.Equal(TimeSpan.FromMinutes(10), bearer.RefreshInterval);
        Assert.Equal(TimeSpan.FromHours(24), bearer.AutomaticRefreshInterval);
    }

    [Fact]
    public async Task ClockSkewAboveFiveMinutesFailsToStart()
    {
        var settings = AuthTestHost.LocalKeySettings(keys.JwksPath);
        settings["ClockSkew"] = "00:05:01";

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => AuthTestHost.StartAsync(settings));

        Assert.Contains(nameof(JwtAuthenticationOptions.ClockSkew), error.Message);
    }

    [Fact]
    public async Task MetadataOverPlainHttpFailsToStart()
    {
        var settings = new Dictionary<string, string?> { ["TenantId"] = TenantId, ["ClientId"] = ClientId, ["Instance"] = "http://login.example.test/" };

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => AuthTestHost.StartAsync(settings));

        Assert.Contains("https", error.Message);
    }
}
