using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using FileApi.DevIdentity;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace FileApi.Tests.Infrastructure;

/// <summary>
/// The development OpenID provider (src/FileApi.DevIdentity) on its own loopback port and data folder, as
/// <c>scripts/dev</c> runs it: a real https server with its own self-signed certificate, which only this class's
/// <see cref="Http"/> (and whoever is handed <see cref="CertificatePath"/>) trusts.
/// </summary>
public sealed class DevIdentityServer : IAsyncDisposable
{
    public const string ApiAudience = "api://fileapi-local";
    public const string Scope = ApiAudience + "/access_as_user";
    public const string CliClientId = "fileapi-cli";
    public const string BrowserClientId = "fileapi-browser";

    readonly WebApplication _app;
    readonly string _dataDirectory;

    DevIdentityServer(WebApplication app, string dataDirectory, Uri url)
    {
        _app = app;
        _dataDirectory = dataDirectory;
        Url = url;
        Http = new HttpClient(CreateTrustingHandler(allowRedirects: false));
    }

    /// <summary>A handler that trusts exactly the provider's certificate, for a client library's own transport.</summary>
    public SocketsHttpHandler CreateTrustingHandler(bool allowRedirects = true)
    {
        var pinned = X509Certificate2.CreateFromPem(File.ReadAllText(CertificatePath)).GetCertHashString();
        return new SocketsHttpHandler
        {
            AllowAutoRedirect = allowRedirects,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == pinned,
            },
        };
    }

    public Uri Url { get; }

    /// <summary>The authority as MSAL names it: <c>{Url}/{tenant}</c>.</summary>
    public string Authority => $"{Url}{LocalUsers.TenantId}";

    public string Issuer => $"{Authority}/v2.0";

    public string CertificatePath => Path.Combine(_dataDirectory, DevelopmentCertificate.PemFileName);

    /// <summary>Trusts exactly the provider's certificate; does not follow redirects, so a test sees each step.</summary>
    public HttpClient Http { get; }

    /// <summary>The API's <c>Auth</c> settings that trust this provider (with the <c>Auth:</c> prefix).</summary>
    public IEnumerable<KeyValuePair<string, string>> ApiSettings =>
    [
        new("Auth:Authority", Issuer),
        new("Auth:AuthorityCertificatePath", CertificatePath),
        new("Auth:Issuers:0", Issuer),
        new("Auth:Audiences:0", ApiAudience),
        new("Auth:KeyRefreshMinimumInterval", "00:00:01"),
    ];

    public static async Task<DevIdentityServer> StartAsync(TimeSpan? accessTokenLifetime = null, IEnumerable<string>? browserRedirectUris = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("fileapi-dev-identity-").FullName;
        var url = new Uri($"https://127.0.0.1:{FreeLoopbackPort()}/");
        var settings = new Dictionary<string, string?>
        {
            ["DevIdentity:Url"] = url.ToString(),
            ["DevIdentity:DataDirectory"] = dataDirectory,
            ["DevIdentity:EnableLocalUserGrant"] = "true",
            ["DevIdentity:AccessTokenLifetime"] = (accessTokenLifetime ?? TimeSpan.FromHours(1)).ToString(),
        };
        foreach (var (uri, index) in (browserRedirectUris ?? []).Select((uri, index) => (uri, index)))
            settings[$"DevIdentity:BrowserRedirectUris:{index}"] = uri;

        var app = DevIdentityApp.Create([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.ClearProviders();
        });
        await app.RegisterClientsAsync();
        await app.StartAsync();
        return new DevIdentityServer(app, dataDirectory, url);
    }

    /// <summary>A user's access token through the provider's Development-only local-user grant, as <c>scripts/dev token</c> gets it.</summary>
    public async Task<string> TokenForAsync(string userName)
    {
        using var response = await Http.PostAsync($"{Authority}/oauth2/v2.0/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = LocalUsers.LocalUserGrantType,
            ["username"] = userName,
            ["client_id"] = CliClientId,
            ["scope"] = Scope,
        }));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["access_token"]!.GetValue<string>();
    }

    /// <summary>What a user does with a device code: opens the verification page, enters the code and a user name, and submits.</summary>
    public async Task CompleteDeviceCodeAsync(string verificationUri, string userCode, string userName)
    {
        using var page = await Http.GetAsync($"{verificationUri}?user_code={Uri.EscapeDataString(userCode)}");
        page.EnsureSuccessStatusCode();
        var form = await page.Content.ReadAsStringAsync();
        Assert.Contains("name=\"user_code\"", form);
        using var submitted = await Http.PostAsync(verificationUri, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["user_code"] = userCode,
            ["username"] = userName,
        }));
        Assert.True(submitted.StatusCode is HttpStatusCode.OK or HttpStatusCode.Found or HttpStatusCode.SeeOther,
            $"The verification page answered {(int)submitted.StatusCode}: {await submitted.Content.ReadAsStringAsync()}");
    }

    /// <summary>Rotates the signing key at the provider; answers the new key's id.</summary>
    public async Task<string> RotateKeysAsync()
    {
        using var response = await Http.PostAsync($"{Url}dev/keys/rotate", null);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["kid"]!.GetValue<string>();
    }

    static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }
}
