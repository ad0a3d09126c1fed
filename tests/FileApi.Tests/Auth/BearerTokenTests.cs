using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FileApi.Auth;

namespace FileApi.Tests.Auth;

/// <summary>Tokens against the JwtBearer scheme as configured from <c>Auth</c> (local keys): what is accepted, and how a refusal reads.</summary>
public sealed class BearerTokenTests(SigningKeysFixture keys) : IClassFixture<SigningKeysFixture>
{
    Task<AuthTestHost> StartHostAsync() => AuthTestHost.StartAsync(AuthTestHost.LocalKeySettings(keys.JwksPath));

    // Lifetimes relative to now; the default clock skew is two minutes.
    static Dictionary<string, object> Lifetime(TimeSpan notBefore, TimeSpan expires) => new()
    {
        ["nbf"] = DateTimeOffset.UtcNow.Add(notBefore).ToUnixTimeSeconds(),
        ["iat"] = DateTimeOffset.UtcNow.Add(notBefore).ToUnixTimeSeconds(),
        ["exp"] = DateTimeOffset.UtcNow.Add(expires).ToUnixTimeSeconds(),
    };

    [Fact]
    public async Task RequestWithoutTokenIsChallengedWithBearerRealmAndProblemDetails()
    {
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer realm=\"fileapi\"", response.Headers.NonValidated["WWW-Authenticate"].ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:fileapi:problem:unauthorized", problem.GetProperty("type").GetString());
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
        Assert.Equal(0, host.EndpointCalls);
    }

    [Fact]
    public async Task ValidTokenReachesTheEndpointAsItsUser()
    {
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(keys.Mint("alice"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var caller = await response.Content.ReadFromJsonAsync<CallerIdentity>();
        Assert.Equal(LocalTokenIssuer.UserIdFor("alice").ToString(), caller!.Id);
        Assert.Equal(LocalTokenIssuer.LocalTenantId, caller.TenantId);
        Assert.Equal("alice", caller.Name);
        Assert.Equal("alice@example.test", caller.Email);
        Assert.False(caller.IsApplication);
        Assert.Equal(1, host.EndpointCalls);
    }

    [Fact]
    public async Task PrincipalKeepsEveryClaimWithNameAndRolesAsItsNameAndRoleClaims()
    {
        await using var host = await StartHostAsync();
        var token = keys.Mint("alice", extraClaims: new Dictionary<string, object>
        {
            ["roles"] = new[] { "Files.Read", "Files.Write" },
            ["azp"] = "client-app",
        });

        using var response = await host.GetClaimsAsync(token);

        var principal = await response.Content.ReadFromJsonAsync<AuthTestHost.PrincipalSummary>();
        Assert.Equal("alice", principal!.Name);
        Assert.True(principal.IsFilesWriter);
        Assert.Contains("roles=Files.Read", principal.Claims);
        Assert.Contains("roles=Files.Write", principal.Claims);
        Assert.Contains("azp=client-app", principal.Claims);
        Assert.Contains($"tid={LocalTokenIssuer.LocalTenantId}", principal.Claims);
        Assert.Contains("preferred_username=alice@example.test", principal.Claims);
    }

    [Fact]
    public async Task BearerWithoutATokenIsChallengedLikeNoToken()
    {
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync("");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer realm=\"fileapi\"", response.Headers.NonValidated["WWW-Authenticate"].ToString());
        Assert.Equal(0, host.EndpointCalls);
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.e30")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.e30.c2ln.c2ln")]
    [InlineData("bm90LWpzb24.e30.c2ln")]
    [InlineData("W10.e30.c2ln")]
    public async Task MalformedTokenIsRejected(string token)
    {
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(token);

        await AssertRejectedAsync(host, response, "The token is malformed.");
    }

    [Theory]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.e30.c2ln+/=")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9..c2ln")]
    public async Task TokenWithoutAKeyIdIsRejectedAsSignedByAnUnknownKey(string token)
    {
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(token);

        await AssertRejectedAsync(host, response, "The token's signing key is unknown.");
    }

    [Fact]
    public async Task ExpiredTokenIsRejected()
    {
        // Expired three minutes ago, beyond the two-minute skew.
        var token = keys.Mint(extraClaims: Lifetime(TimeSpan.FromMinutes(-13), TimeSpan.FromMinutes(-3)));
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(token);

        await AssertRejectedAsync(host, response, "The token has expired.");
    }

    [Fact]
    public async Task TokenExpiredWithinTheClockSkewIsAccepted()
    {
        var token = keys.Mint(extraClaims: Lifetime(TimeSpan.FromMinutes(-11), TimeSpan.FromMinutes(-1)));
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task TokenNotYetValidIsRejected()
    {
        var token = keys.Mint(extraClaims: Lifetime(TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(13)));
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(token);

        await AssertRejectedAsync(host, response, "The token is not valid yet.");
    }

    [Fact]
    public async Task TokenWithoutExpiryIsRejected()
    {
        var payload = TestTokens.PayloadOf(keys.Mint());
        payload.Remove("exp");
        var token = TestTokens.Sign(new { alg = "RS256", kid = keys.Issuer.KeyId }, payload.ToJsonString(), keys.SignRs256);
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(token);

        await AssertRejectedAsync(host, response, "The token has no expiry.");
    }

    [Fact]
    public async Task TokenFromAnotherIssuerIsRejected()
    {
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(keys.Mint(issuer: "https://evil.test/"));

        await AssertRejectedAsync(host, response, "The token's issuer is not accepted.");
    }

    [Fact]
    public async Task TokenForAnotherAudienceIsRejected()
    {
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(keys.Mint(audience: "api://another-api"));

        await AssertRejectedAsync(host, response, "The token's audience is not accepted.");
    }

    [Fact]
    public async Task TokenNamingThisApiAmongSeveralAudiencesIsAccepted()
    {
        await using var host = await StartHostAsync();
        var token = keys.Mint(extraClaims: new Dictionary<string, object> { ["aud"] = new[] { "api://another-api", AuthTestHost.Audience } });

        using var response = await host.GetCallerAsync(token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task TokenSignedByAnUnknownKeyIsRejected()
    {
        using var directory = new TemporaryDirectory();
        using var stranger = LocalTokenIssuer.LoadOrCreate(directory.Path);
        var token = stranger.Mint("mallory", "mallory", null, AuthTestHost.Issuer, AuthTestHost.Audience, TimeSpan.FromMinutes(10));
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(token);

        await AssertRejectedAsync(host, response, "The token's signing key is unknown.");
    }

    [Fact]
    public async Task TokenWithATamperedPayloadIsRejected()
    {
        var minted = keys.Mint("mallory");
        var parts = minted.Split('.');
        var payload = TestTokens.PayloadOf(minted);
        payload["oid"] = LocalTokenIssuer.UserIdFor("alice").ToString();
        var token = $"{parts[0]}.{TestTokens.Encode(Encoding.UTF8.GetBytes(payload.ToJsonString()))}.{parts[2]}";
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(token);

        await AssertRejectedAsync(host, response, "The token's signature is invalid.");
    }

    [Fact]
    public async Task UnsignedTokenWithAlgorithmNoneIsRejected()
    {
        // The library's name for a token without a signature, as for an algorithm outside ValidAlgorithms.
        var payload = TestTokens.PayloadOf(keys.Mint()).ToJsonString();
        var token = TestTokens.Sign(new { alg = "none", typ = "JWT" }, payload, _ => []);
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(token);

        await AssertRejectedAsync(host, response, "The token's signature is invalid.");
    }

    [Fact]
    public async Task Hs256TokenUsingThePublicKeyAsHmacSecretIsRejected()
    {
        // The classic key confusion attack: the public key is public, so an HMAC made with it proves nothing.
        var payload = TestTokens.PayloadOf(keys.Mint()).ToJsonString();
        var publicKeyPem = Encoding.ASCII.GetBytes(keys.RsaKey.ExportSubjectPublicKeyInfoPem());
        var token = TestTokens.Sign(new { alg = "HS256", kid = keys.Issuer.KeyId }, payload, data => HMACSHA256.HashData(publicKeyPem, data));
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(token);

        await AssertRejectedAsync(host, response, "The token's signature is invalid.");
    }

    [Fact]
    public async Task Es256TokenSignedByAKnownEcKeyIsAccepted()
    {
        var payload = TestTokens.PayloadOf(keys.Mint("erin")).ToJsonString();
        var token = TestTokens.Sign(new { alg = "ES256", kid = SigningKeysFixture.EcKeyId }, payload,
            data => keys.EcKey.SignData(data, HashAlgorithmName.SHA256));
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var caller = await response.Content.ReadFromJsonAsync<CallerIdentity>();
        Assert.Equal(LocalTokenIssuer.UserIdFor("erin").ToString(), caller!.Id);
    }

    [Fact]
    public async Task Rs256TokenNamingAnEcKeyIsRejected()
    {
        var payload = TestTokens.PayloadOf(keys.Mint()).ToJsonString();
        var token = TestTokens.Sign(new { alg = "RS256", kid = SigningKeysFixture.EcKeyId }, payload, keys.SignRs256);
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(token);

        await AssertRejectedAsync(host, response, "The token's signature is invalid.");
    }

    [Fact]
    public async Task OversizedTokenIsRejected()
    {
        var token = keys.Mint(extraClaims: new Dictionary<string, object> { ["padding"] = new string('x', 16384) });
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(token);

        await AssertRejectedAsync(host, response, "The token is too large.");
    }

    [Fact]
    public async Task UserTokenWithoutTheApiScopeIsForbidden()
    {
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(keys.Mint(extraClaims: new Dictionary<string, object> { ["scp"] = "Files.Read other_scope" }));

        await AssertForbiddenAsync(host, response);
    }

    [Fact]
    public async Task TheApiScopeAmongSeveralIsEnough()
    {
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(keys.Mint(extraClaims: new Dictionary<string, object> { ["scp"] = $"Files.Read {LocalTokenIssuer.UserScope}" }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AppOnlyTokenIsForbiddenOnAUserEndpoint()
    {
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(keys.Issuer.MintApp("daemon-app", AuthTestHost.Issuer, AuthTestHost.Audience, TimeSpan.FromMinutes(5), ["Files.Write"]));

        await AssertForbiddenAsync(host, response);
    }

    [Fact]
    public async Task TokenMarkedAppOnlyIsForbiddenEvenWithTheScope()
    {
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(keys.Mint(extraClaims: new Dictionary<string, object> { ["idtyp"] = "app" }));

        await AssertForbiddenAsync(host, response);
    }

    [Fact]
    public async Task TokenWithAppRolesButNoScopeIsForbidden()
    {
        var payload = TestTokens.PayloadOf(keys.Mint(extraClaims: new Dictionary<string, object> { ["roles"] = new[] { "Files.Write" } }));
        payload.Remove("scp");
        payload.Remove("idtyp");
        var token = TestTokens.Sign(new { alg = "RS256", kid = keys.Issuer.KeyId }, payload.ToJsonString(), keys.SignRs256);
        await using var host = await StartHostAsync();

        using var response = await host.GetCallerAsync(token);

        await AssertForbiddenAsync(host, response);
    }

    internal static async Task AssertForbiddenAsync(AuthTestHost host, HttpResponseMessage response, int endpointCallsBefore = 0)
    {
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("Bearer realm=\"fileapi\", error=\"insufficient_scope\"", response.Headers.NonValidated["WWW-Authenticate"].ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:fileapi:problem:forbidden", problem.GetProperty("type").GetString());
        Assert.Equal(endpointCallsBefore, host.EndpointCalls);
    }

    internal static async Task AssertRejectedAsync(AuthTestHost host, HttpResponseMessage response, string description, int endpointCallsBefore = 0)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal($"Bearer realm=\"fileapi\", error=\"invalid_token\", error_description=\"{description}\"",
            response.Headers.NonValidated["WWW-Authenticate"].ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:fileapi:problem:unauthorized", problem.GetProperty("type").GetString());
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
        Assert.Equal(description, problem.GetProperty("detail").GetString());
        Assert.Equal(endpointCallsBefore, host.EndpointCalls);
    }
}
