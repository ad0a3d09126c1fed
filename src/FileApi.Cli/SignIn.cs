using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Azure.Core;
using Azure.Identity;
using Microsoft.Identity.Client;
using Microsoft.Identity.Client.Extensions.Msal;

namespace FileApi.Cli;

/// <summary>
/// Where and how a user signs in: an Entra tenant (or the development identity provider, which looks like one), the
/// CLI's public client id and the API's scope. Each from its option, else the environment, else the config file.
/// </summary>
sealed record SignInSettings(Uri AuthorityHost, string? TenantId, string? ClientId, string? Scope, string? AuthorityCertificate)
{
    public const string AuthorityVariable = "FILEAPI_AUTHORITY";
    public const string TenantVariable = "FILEAPI_TENANT_ID";
    public const string ClientIdVariable = "FILEAPI_CLIENT_ID";
    public const string ScopeVariable = "FILEAPI_SCOPE";
    public const string AuthorityCertificateVariable = "FILEAPI_AUTHORITY_CERTIFICATE";

    sealed record ConfigFile(string? Authority, string? Tenant, string? ClientId, string? Scope, string? AuthorityCertificate);

    public static SignInSettings Resolve(string? authority, string? tenant, string? clientId, string? scope, CliHost host)
    {
        ConfigFile? config = null;
        if (File.Exists(host.ConfigFile))
        {
            try { config = JsonSerializer.Deserialize<ConfigFile>(File.ReadAllText(host.ConfigFile), CliJson.Options); }
            catch (JsonException exception) { throw new UsageException($"The config file {host.ConfigFile} is not valid JSON: {exception.Message}"); }
        }
        string? Pick(string? option, string variable, string? configured) =>
            option ?? (host.GetEnvironmentVariable(variable) is { Length: > 0 } set ? set : null) ?? configured;

        var host_ = Pick(authority, AuthorityVariable, config?.Authority) ?? "https://login.microsoftonline.com/";
        if (!Uri.TryCreate(host_, UriKind.Absolute, out var authorityHost) || authorityHost.Scheme != Uri.UriSchemeHttps)
            throw new UsageException($"The authority '{host_}' is not an https URL.");
        return new SignInSettings(authorityHost, Pick(tenant, TenantVariable, config?.Tenant), Pick(clientId, ClientIdVariable, config?.ClientId),
            Pick(scope, ScopeVariable, config?.Scope), host.GetEnvironmentVariable(AuthorityCertificateVariable) is { Length: > 0 } pem ? pem : config?.AuthorityCertificate);
    }

    public bool CanSignIn => TenantId is not null && ClientId is not null && Scope is not null;

    public string Authority => $"{AuthorityHost.AbsoluteUri.TrimEnd('/')}/{TenantId}";

    public void EnsureComplete()
    {
        if (!CanSignIn)
            throw new UsageException(
                $"Sign-in needs a tenant, a client id and a scope: pass --tenant, --client-id and --scope, or set {TenantVariable}, {ClientIdVariable} " +
                $"and {ScopeVariable} (scripts/dev env prints the local ones).", ExitCodes.Usage);
    }
}

/// <summary>
/// The signed-in user, through MSAL.NET with a persistent token cache: <c>{state}/msal-token-cache.bin</c>. On Windows
/// it is encrypted with DPAPI and on macOS kept in the Keychain; on Linux it is a plain file that only your user may
/// read or write (mode 0600): no keyring is used. <c>fileapi logout</c> deletes it.
/// </summary>
sealed class UserSignIn
{
    const string CacheFileName = "msal-token-cache.bin";

    readonly IPublicClientApplication _client;
    readonly SignInSettings _settings;

    UserSignIn(IPublicClientApplication client, SignInSettings settings)
    {
        _client = client;
        _settings = settings;
    }

    public static string CachePath(CliHost host) => Path.Combine(host.StateDirectory, CacheFileName);

    public static async Task<UserSignIn> OpenAsync(SignInSettings settings, CliHost host)
    {
        settings.EnsureComplete();
        var builder = PublicClientApplicationBuilder.Create(settings.ClientId)
            .WithAuthority(settings.Authority, validateAuthority: false)
            // The authority is named outright; never ask Entra's instance discovery about it (the local provider is not Entra).
            .WithInstanceDiscovery(false)
            .WithRedirectUri("http://localhost:8400/")
            .WithClientName("fileapi-cli");
        if (settings.AuthorityCertificate is { } pem)
            builder = builder.WithHttpClientFactory(new PinnedCertificateHttpClientFactory(pem));
        var client = builder.Build();

        Directory.CreateDirectory(host.StateDirectory);
        var storage = new StorageCreationPropertiesBuilder(CacheFileName, host.StateDirectory)
            .WithLinuxUnprotectedFile()
            .WithMacKeyChain("fileapi-cli", "msal-token-cache")
            .Build();
        var cache = await MsalCacheHelper.CreateAsync(storage);
        cache.RegisterCache(client.UserTokenCache);
        return new UserSignIn(client, settings);
    }

    public async Task<IAccount?> AccountAsync() => (await _client.GetAccountsAsync()).FirstOrDefault();

    public Task<AuthenticationResult> LoginWithDeviceCodeAsync(TextWriter prompt, CancellationToken cancellationToken) =>
        _client.AcquireTokenWithDeviceCode([_settings.Scope!], code =>
        {
            prompt.WriteLine($"To sign in, open {code.VerificationUrl} and enter the code {code.UserCode}.");
            prompt.Flush();
            return Task.CompletedTask;
        }).ExecuteAsync(cancellationToken);

    public Task<AuthenticationResult> LoginWithBrowserAsync(CancellationToken cancellationToken) =>
        _client.AcquireTokenInteractive([_settings.Scope!]).WithUseEmbeddedWebView(false).ExecuteAsync(cancellationToken);

    /// <summary>Removes every account from the cache, then the cache file.</summary>
    public async Task<int> LogoutAsync(CliHost host)
    {
        var accounts = (await _client.GetAccountsAsync()).ToList();
        foreach (var account in accounts)
            await _client.RemoveAsync(account);
        File.Delete(CachePath(host));
        return accounts.Count;
    }

    /// <summary>An Azure.Core credential for the cached account: MSAL answers from the cache or renews with the refresh token.</summary>
    public TokenCredential Credential(IAccount account) => new CachedAccountCredential(_client, account);

    sealed class CachedAccountCredential(IPublicClientApplication client, IAccount account) : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            try
            {
                var result = await client.AcquireTokenSilent(requestContext.Scopes, account).ExecuteAsync(cancellationToken);
                return new AccessToken(result.AccessToken, result.ExpiresOn);
            }
            catch (MsalUiRequiredException exception)
            {
                throw new UsageException($"Your sign-in has expired ({exception.ErrorCode}): run fileapi login again.", ExitCodes.Auth);
            }
        }
    }

    // The development provider's self-signed certificate, trusted by exact match; any certificate the system trusts too.
    sealed class PinnedCertificateHttpClientFactory(string pemPath) : IMsalHttpClientFactory
    {
        readonly HttpClient _http = new(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => errors == SslPolicyErrors.None
                    || certificate?.GetCertHashString() == X509Certificate2.CreateFromPem(File.ReadAllText(pemPath)).GetCertHashString(),
            },
        });

        public HttpClient GetHttpClient() => _http;
    }
}

/// <summary>
/// Which credential a command uses, decided at its first token and kept (as DefaultAzureCredential does; Azure.Identity's
/// ChainedTokenCredential would try the whole chain again on every call): the <c>fileapi login</c> cache, then the Azure
/// CLI's login (<c>az login</c>), then a fixed token (<c>FILEAPI_TOKEN</c>).
/// </summary>
sealed class FirstAvailableCredential(IReadOnlyList<(string Name, Func<ValueTask<TokenCredential?>> Create)> chain) : TokenCredential
{
    TokenCredential? _chosen;

    public string? Chosen { get; private set; }

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        if (_chosen is { } chosen)
            return await chosen.GetTokenAsync(requestContext, cancellationToken);
        var tried = new List<string>();
        foreach (var (name, create) in chain)
        {
            if (await create() is not { } credential)
                continue;
            try
            {
                var token = await credential.GetTokenAsync(requestContext, cancellationToken);
                (_chosen, Chosen) = (credential, name);
                return token;
            }
            catch (Exception exception) when (exception is CredentialUnavailableException or AuthenticationFailedException)
            {
                tried.Add($"{name}: {exception.Message.Split('\n')[0]}");
            }
        }
        throw new UsageException(
            $"Not signed in: run fileapi login, or az login, or set {CliSettings.TokenVariable} (or pass --token).{(tried.Count > 0 ? " Tried " + string.Join("; ", tried) : "")}",
            ExitCodes.Auth);
    }
}

/// <summary>A fixed bearer token as a credential: FILEAPI_TOKEN, which says nothing of its own expiry.</summary>
sealed class FixedTokenCredential(string token) : TokenCredential
{
    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => new(token, DateTimeOffset.MaxValue);

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) => new(GetToken(requestContext, cancellationToken));
}
