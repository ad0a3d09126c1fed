using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using FileApi.Tests.Auth;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Client;

/// <summary>The API trusting the development provider, whose access tokens live 6 seconds and are refused the moment they expire.</summary>
public sealed class ShortLivedTokenApiFactory : FileApiFactory, IAsyncLifetime
{
    DevIdentityServer? _identity;

    public DevIdentityServer Identity => _identity ?? throw new InvalidOperationException("The factory is not initialised.");

    protected override string HostEnvironment => Microsoft.Extensions.Hosting.Environments.Development;

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings => [.. Identity.ApiSettings, new("Auth:ClockSkew", "00:00:00")];

    public override async Task InitializeAsync()
    {
        _identity = await DevIdentityServer.StartAsync(TimeSpan.FromSeconds(6));
        await base.InitializeAsync();
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_identity is not null) await _identity.DisposeAsync();
    }
}

public sealed partial class CliSignInTests(ShortLivedTokenApiFactory factory) : IClassFixture<ShortLivedTokenApiFactory>, IDisposable
{
    readonly CliRunner _cli = new(factory);

    [Fact]
    public async Task ADeviceCodeLoginUploadsAFileThatOutlastsOneTokenAndLogoutRemovesTheCache()
    {
        _cli.Environment.Remove("FILEAPI_TOKEN");
        _cli.Environment["FILEAPI_AUTHORITY"] = factory.Identity.Url.ToString();
        _cli.Environment["FILEAPI_TENANT_ID"] = FileApi.DevIdentity.LocalUsers.TenantId;
        _cli.Environment["FILEAPI_CLIENT_ID"] = DevIdentityServer.CliClientId;
        _cli.Environment["FILEAPI_SCOPE"] = DevIdentityServer.Scope;
        _cli.Environment["FILEAPI_AUTHORITY_CERTIFICATE"] = factory.Identity.CertificatePath;

        // The user reads the code from the terminal and enters it on the provider's verification page.
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _cli.OnError = text =>
        {
            if (DeviceCodePrompt().Match(text) is { Success: true } prompt)
                _ = Task.Run(async () =>
                {
                    await factory.Identity.CompleteDeviceCodeAsync(prompt.Groups["uri"].Value, prompt.Groups["code"].Value, FileApiFactory.Owner);
                    entered.TrySetResult();
                });
        };
        var login = await _cli.RunAsync("login", "--device-code");
        Assert.True(login.ExitCode == 0, login.Error);
        Assert.True(entered.Task.IsCompleted);
        var cache = Path.Combine(_cli.StateDirectory, "msal-token-cache.bin");
        Assert.True(File.Exists(cache));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cache));

        var tokens = new ConcurrentQueue<string>();
        _cli.Api = () => new HttpClient(new ApiInterceptor(request =>
        {
            if (request.Headers.Authorization?.Parameter is { } token) tokens.Enqueue(token);
            return null;
        }) { InnerHandler = factory.Server.CreateHandler() }) { BaseAddress = factory.Server.BaseAddress };
        var storage = new StorageSpy(factory);
        // Committing waits until the token the upload registered with has expired (real time: the provider and the API keep it).
        storage.Before = async (request, cancellationToken) =>
        {
            if (request.Method == HttpMethod.Put && request.RequestUri!.Query.Contains("comp=blocklist", StringComparison.Ordinal))
            {
                var expiresAt = DateTimeOffset.FromUnixTimeSeconds(TestTokens.PayloadOf(tokens.First())["exp"]!.GetValue<long>());
                var wait = expiresAt.AddSeconds(1) - DateTimeOffset.UtcNow;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
            }
            return null;
        };
        _cli.Storage = storage;
        var source = _cli.LocalPath("outlasts.bin");
        await File.WriteAllBytesAsync(source, TestData.RandomBytes(300_000));

        var upload = await _cli.RunAsync("upload", source, "signed-in/outlasts.bin", "--quiet");

        Assert.True(upload.ExitCode == 0, upload.Error);
        var first = TestTokens.PayloadOf(tokens.First());
        var last = TestTokens.PayloadOf(tokens.Last());
        Assert.True(last["exp"]!.GetValue<long>() > first["exp"]!.GetValue<long>(), "the upload never renewed its token");
        Assert.Equal(FileApiFactory.UserId(FileApiFactory.Owner), last["oid"]!.GetValue<string>());

        var whoami = await _cli.RunAsync("whoami");
        Assert.True(whoami.ExitCode == 0, whoami.Error);
        Assert.Contains("Credential: fileapi login", whoami.Out);

        var logout = await _cli.RunAsync("logout");
        Assert.Equal(0, logout.ExitCode);
        Assert.False(File.Exists(cache));
        var afterLogout = await _cli.RunAsync("ls");
        Assert.Equal(3, afterLogout.ExitCode);
    }

    [GeneratedRegex(@"open (?<uri>\S+) and enter the code (?<code>\S+)\.")]
    private static partial Regex DeviceCodePrompt();

    public void Dispose() => _cli.Dispose();
}
