using System.Runtime.CompilerServices;
using System.Security.Claims;
using FileApi.Auth;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FileApi.Tests.Auth;

/// <summary>
/// An in-memory API with two protected endpoints (the caller, the raw claims), so authentication is tested apart from the app's Program.cs.
/// The endpoints count their calls: a rejected token must never reach them.
/// </summary>
sealed class AuthTestHost : IAsyncDisposable
{
    public const string Issuer = "https://issuer.test/fileapi";
    public const string Audience = "api://fileapi-tests";

    readonly WebApplication _app;
    readonly StrongBox<int> _endpointCalls;

    AuthTestHost(WebApplication app, StrongBox<int> endpointCalls)
    {
        _app = app;
        _endpointCalls = endpointCalls;
        Client = app.GetTestClient();
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public int EndpointCalls => Volatile.Read(ref _endpointCalls.Value);

    /// <summary>Settings for tokens from <see cref="LocalTokenIssuer"/> with this host's issuer and audience.</summary>
    public static Dictionary<string, string?> LocalKeySettings(string publicKeysPath) => OidcServer.AuthoritySettings(publicKeysPath, Issuer, Audience);

    /// <param name="settings">The <c>Auth</c> section, without the prefix.</param>
    public static async Task<AuthTestHost> StartAsync(IDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings.Select(setting => KeyValuePair.Create($"Auth:{setting.Key}", setting.Value)));
        builder.Services.AddJwtAuthentication(builder.Configuration);

        var app = builder.Build();
        var endpointCalls = new StrongBox<int>();
        app.MapGet("/caller", (ClaimsPrincipal user) =>
        {
            Interlocked.Increment(ref endpointCalls.Value);
            return user.GetCaller();
        }).RequireAuthorization();
        app.MapGet("/claims", (ClaimsPrincipal user) =>
        {
            Interlocked.Increment(ref endpointCalls.Value);
            return new PrincipalSummary(user.Identity?.Name, user.IsInRole("Files.Write"), user.Claims.Select(claim => $"{claim.Type}={claim.Value}").ToArray());
        }).RequireAuthorization();

        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new AuthTestHost(app, endpointCalls);
    }

    public record PrincipalSummary(string? Name, bool IsFilesWriter, string[] Claims);

    public Task<HttpResponseMessage> GetCallerAsync(string? token) => GetAsync("/caller", token);

    public Task<HttpResponseMessage> GetClaimsAsync(string? token) => GetAsync("/claims", token);

    async Task<HttpResponseMessage> GetAsync(string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null) request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {token}");
        return await Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A folder under the temp directory for key files, deleted afterwards.</summary>
sealed class TemporaryDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("fileapi-auth-tests-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
