using System.Net;
using System.Net.Http.Json;
using FileApi.Auth;
using FileApi.Http;
using FileApi.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;

namespace FileApi.Tests.Auth;

/// <summary>
/// The API in the Production environment as Azure runs it: tokens from Entra ID, no local OpenID provider. It needs no
/// database to answer these routes, so none is made.
/// </summary>
public class ProductionFactory : FileApiFactory
{
    protected override string HostEnvironment => Environments.Production;

    protected override bool UsesDatabase => false;

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
    [
        new("ConnectionStrings:FileApi", "Host=127.0.0.1;Port=9;Username=postgres;Database=fileapi;Timeout=2"),
        new("Database:MigrateOnStartup", "false"),
        new("Auth:Authority", ""),
        new("Auth:TenantId", "11111111-2222-3333-4444-555555555555"),
        new("Auth:ClientId", "5f1d2c3b-8a7e-4c6d-9b0a-1e2f3a4b5c6d"),
        .. Overrides,
    ];

    /// <summary>What a subclass sets on top, as an operator might.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> Overrides => [];
}

public sealed class DevelopmentOnlyTests(ProductionFactory production) : IClassFixture<ProductionFactory>
{
    [Fact]
    public async Task InProductionThereIsNoDevelopmentSignInRoute()
    {
        // The API never mints tokens: the route the development shortcut once had is not there in any environment.
        using var response = await production.CreateClient().PostAsJsonAsync("/dev/sign-in", new { user = "mallory" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task InProductionSwaggerUiIsOffByDefaultWhileTheDocumentStaysPublished()
    {
        using var client = production.CreateClient();

        using var page = await client.GetAsync("/swagger/index.html");
        using var document = await client.GetAsync(FileApiOpenApi.DocumentUrl);

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
    }

    [Fact]
    public Task InProductionTheSettingTurnsSwaggerUiOn() => WithProductionAsync([new("OpenApi:SwaggerUi", "true")], async api =>
    {
        using var page = await api.CreateClient().GetAsync("/swagger/index.html");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    });

    [Fact]
    public Task InProductionTheApiRefusesToTrustTheLocalProvidersCertificate() =>
        WithProductionAsync([new("Auth:AuthorityCertificatePath", "/tmp/fileapi-dev-identity/tls.crt")], api =>
        {
            var error = Assert.ThrowsAny<Exception>(() => api.Services);

            Assert.Contains("Auth:Authority (a local OpenID provider) is allowed only in the Development environment, and this is Production", error.ToString());
            return Task.CompletedTask;
        });

    [Fact]
    public Task InProductionTheApiRefusesToTrustTheLocalTokenIssuer() =>
        // Everything else it needs is there too: its issuer, audience and a loopback authority publishing the key.
        WithProductionAsync([.. OidcServer.AuthoritySettings(production.Tokens.PublicKeysPath, FileApiFactory.TokenIssuer, FileApiFactory.TokenAudience)
            .Select(setting => KeyValuePair.Create($"Auth:{setting.Key}", setting.Value!))], api =>
        {
            var error = Assert.ThrowsAny<Exception>(() => api.Services);

            Assert.Contains("Auth:Authority (a local OpenID provider) is allowed only in the Development environment, and this is Production", error.ToString());
            return Task.CompletedTask;
        });

    /// <summary>Runs <paramref name="test"/> against a production API of its own, with a few more settings.</summary>
    static async Task WithProductionAsync(KeyValuePair<string, string>[] settings, Func<ProductionFactory, Task> test)
    {
        var api = new Configured(settings);
        await api.InitializeAsync();
        try
        {
            await test(api);
        }
        finally
        {
            await api.DisposeAsync();
        }
    }

    sealed class Configured(KeyValuePair<string, string>[] settings) : ProductionFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Overrides => settings;
    }
}
