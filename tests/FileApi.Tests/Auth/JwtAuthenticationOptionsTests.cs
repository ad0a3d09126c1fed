using System.Net;
using System.Security.Cryptography;
using FileApi.Auth;
using Microsoft.Extensions.Options;

namespace FileApi.Tests.Auth;

public sealed class JwtAuthenticationOptionsTests(SigningKeysFixture keys) : IClassFixture<SigningKeysFixture>
{
    const string TenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const string ClientId = "0b7e3c52-5c1b-4d8e-9d43-8a4d2c1f9e10";

    [Fact]
    public void TenantAndClientIdImplyTheEntraAuthorityIssuersAndAudiences()
    {
        var options = new JwtAuthenticationOptions { TenantId = TenantId, ClientId = ClientId };

        Assert.Equal($"https://login.microsoftonline.com/{TenantId}/v2.0/.well-known/openid-configuration", options.EffectiveMetadataAddress());
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
            Authority = "https://login.example.test/tenant/",
            MetadataAddress = "https://metadata.example.test/openid",
            Issuers = ["https://issuer.example.test"],
            Audiences = ["api://explicit"],
        };

        Assert.Equal("https://metadata.example.test/openid", options.EffectiveMetadataAddress());
        Assert.Equal(["https://issuer.example.test"], options.EffectiveIssuers());
        Assert.Equal(["api://explicit"], options.EffectiveAudiences());
    }

    [Theory]
    [InlineData($"https://login.microsoftonline.com/{TenantId}/v2.0", ClientId)]
    [InlineData($"https://sts.windows.net/{TenantId}/", $"api://{ClientId}")]
    public async Task EntraTokenIsAcceptedWithOnlyTenantAndClientIdConfigured(string issuer, string audience)
    {
        await using var host = await AuthTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["TenantId"] = TenantId,
            ["ClientId"] = ClientId,
            ["LocalSigningKeysPath"] = keys.JwksPath,
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

        await JwtAuthenticationHandlerTests.AssertRejectedAsync(host, rejected, "The token's signing algorithm is not allowed.");
        using var accepted = await host.GetCallerAsync(keys.Mint());
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task HostWithoutAnySigningKeySourceFailsToStart()
    {
        var settings = new Dictionary<string, string?> { ["Issuers:0"] = AuthTestHost.Issuer, ["Audiences:0"] = AuthTestHost.Audience };

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => AuthTestHost.StartAsync(settings));

        Assert.Contains("Auth:LocalSigningKeysPath", error.Message);
    }

    [Fact]
    public async Task HostWithoutAudienceFailsToStart()
    {
        var settings = new Dictionary<string, string?> { ["LocalSigningKeysPath"] = keys.JwksPath, ["Issuers:0"] = AuthTestHost.Issuer };

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
        var settings = new Dictionary<string, string?> { ["Authority"] = "http://login.example.test/tenant", ["Audiences:0"] = AuthTestHost.Audience };

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => AuthTestHost.StartAsync(settings));

        Assert.Contains("https", error.Message);
    }
}
