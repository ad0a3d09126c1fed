using System.Net;
using System.Net.Http.Json;
using FileApi.Auth;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Auth;

public sealed class LocalTokenIssuerTests
{
    [Fact]
    public async Task MintedTokenValidatesAgainstTheIssuersOwnKeysFile()
    {
        using var directory = new TemporaryDirectory();
        using var issuer = LocalTokenIssuer.LoadOrCreate(directory.Path);
        await using var host = await AuthTestHost.StartAsync(AuthTestHost.LocalKeySettings(issuer.PublicKeysPath));
        var userId = LocalTokenIssuer.UserIdFor("carol").ToString();

        using var response = await host.GetCallerAsync(
            issuer.Mint(userId, "Carol", "carol@example.test", AuthTestHost.Issuer, AuthTestHost.Audience, TimeSpan.FromMinutes(5)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var caller = await response.Content.ReadFromJsonAsync<CallerIdentity>();
        Assert.Equal((userId, LocalTokenIssuer.LocalTenantId, "Carol", "carol@example.test"), (caller!.Id, caller.TenantId, caller.Name, caller.Email));
    }

    [Fact]
    public void ReloadingTheKeyDirectoryKeepsTheKeyAndItsId()
    {
        using var directory = new TemporaryDirectory();
        using var created = LocalTokenIssuer.LoadOrCreate(directory.Path);
        var publishedKeys = File.ReadAllText(created.PublicKeysPath);

        using var reloaded = LocalTokenIssuer.LoadOrCreate(directory.Path);

        Assert.Equal(created.KeyId, reloaded.KeyId);
        Assert.Equal(publishedKeys, File.ReadAllText(reloaded.PublicKeysPath));
        Assert.Contains($"\"kid\": \"{created.KeyId}\"", publishedKeys);
        Assert.DoesNotContain("\"d\"", publishedKeys);
    }

    [Fact]
    public void UserTokensCarryTheApiScopeAndAppTokensOnlyTheirRoles()
    {
        using var directory = new TemporaryDirectory();
        using var issuer = LocalTokenIssuer.LoadOrCreate(directory.Path);

        var user = TestTokens.PayloadOf(issuer.Mint("u", "u", null, AuthTestHost.Issuer, AuthTestHost.Audience, TimeSpan.FromMinutes(5)));
        var app = TestTokens.PayloadOf(issuer.MintApp("a", AuthTestHost.Issuer, AuthTestHost.Audience, TimeSpan.FromMinutes(5), ["Role.One"]));

        Assert.Equal((LocalTokenIssuer.UserScope, "user"), (user["scp"]!.GetValue<string>(), user["idtyp"]!.GetValue<string>()));
        Assert.Equal("app", app["idtyp"]!.GetValue<string>());
        Assert.Equal(["Role.One"], app["roles"]!.AsArray().Select(role => role!.GetValue<string>()));
        Assert.False(app.ContainsKey("scp"));
    }

    [Fact]
    public void PrivateKeyFileIsReadableByItsOwnerOnly()
    {
        if (OperatingSystem.IsWindows()) return;
        using var directory = new TemporaryDirectory();
        using var issuer = LocalTokenIssuer.LoadOrCreate(directory.Path);

        var mode = File.GetUnixFileMode(Path.Combine(directory.Path, LocalTokenIssuer.PrivateKeyFileName));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }

    [Fact]
    public void UserIdIsStableForANameAndDiffersBetweenNames()
    {
        var alice = LocalTokenIssuer.UserIdFor("alice");

        Assert.Equal(alice, LocalTokenIssuer.UserIdFor("alice"));
        Assert.Equal(alice, LocalTokenIssuer.UserIdFor("Alice"));
        Assert.NotEqual(alice, LocalTokenIssuer.UserIdFor("bob"));
        Assert.Equal(8, alice.Version);
    }

    [Fact]
    public async Task ARotatedLocalKeyIsFoundThroughDiscoveryWithoutARestart()
    {
        using var directory = new TemporaryDirectory();
        var oldIssuer = LocalTokenIssuer.LoadOrCreate(directory.Path);
        await using var host = await AuthTestHost.StartAsync(AuthTestHost.LocalKeySettings(oldIssuer.PublicKeysPath));
        string MintWith(LocalTokenIssuer issuer) =>
            issuer.Mint("user", "user", null, AuthTestHost.Issuer, AuthTestHost.Audience, TimeSpan.FromMinutes(5));
        var oldToken = MintWith(oldIssuer);
        using (var beforeRotation = await host.GetCallerAsync(oldToken))
            Assert.Equal(HttpStatusCode.OK, beforeRotation.StatusCode);

        oldIssuer.Dispose();
        File.Delete(Path.Combine(directory.Path, LocalTokenIssuer.PrivateKeyFileName));
        using var newIssuer = LocalTokenIssuer.LoadOrCreate(directory.Path);

        // As with Entra: the first token naming the new kid makes the API fetch the provider's JWKS again, in the background.
        var withNewKey = await StatusOnceKeysAreInUseAsync(host, MintWith(newIssuer));

        // The old key is not refused at once: the library keeps its last known good keys for an hour (as for Entra's).
        Assert.NotEqual(oldIssuer.KeyId, newIssuer.KeyId);
        Assert.Equal(HttpStatusCode.OK, withNewKey);
    }

    static async Task<HttpStatusCode> StatusOnceKeysAreInUseAsync(AuthTestHost host, string token)
    {
        return await Eventually.LastReadAsync(async () =>
        {
            using var response = await host.GetCallerAsync(token);
            return response.StatusCode;
        }, status => status != HttpStatusCode.Unauthorized);
    }
}
