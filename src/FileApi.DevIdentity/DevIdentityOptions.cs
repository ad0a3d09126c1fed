using System.ComponentModel.DataAnnotations;

namespace FileApi.DevIdentity;

/// <summary>
/// The <c>DevIdentity</c> settings. The provider looks like one Entra tenant at <c>{Url}/{TenantId}</c>: discovery at
/// <c>/{tenant}/v2.0/.well-known/openid-configuration</c>, endpoints at <c>/{tenant}/oauth2/v2.0/*</c>, so MSAL.js and
/// MSAL.NET (with instance discovery off) find everything where they would in Entra.
/// </summary>
public sealed class DevIdentityOptions
{
    public const string SectionName = "DevIdentity";

    /// <summary>Where it listens: https on a loopback address (MSAL refuses an http authority).</summary>
    [Required]
    public Uri Url { get; set; } = new("https://127.0.0.1:5090");

    /// <summary>Keys, the TLS certificate and the token encryption key; kept across restarts so cached refresh tokens stay valid.</summary>
    [Required]
    public string DataDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "fileapi-dev-identity");

    /// <summary>The <c>tid</c> of every local user: the one local tenant.</summary>
    public string TenantId { get; set; } = LocalUsers.TenantId;

    /// <summary>The API's audience (<c>aud</c> of access tokens), as its Application ID URI is in Entra.</summary>
    [Required]
    public string ApiAudience { get; set; } = "api://fileapi-local";

    /// <summary>The API's delegated scope (<c>scp</c>); clients ask for <c>{ApiAudience}/{Scope}</c>.</summary>
    [Required]
    public string Scope { get; set; } = "access_as_user";

    /// <summary>The browser uploader's public client (authorization code with PKCE).</summary>
    [Required]
    public string BrowserClientId { get; set; } = "fileapi-browser";

    /// <summary>Redirect URIs of the browser uploader; their origins may call the token endpoint (CORS).</summary>
    public string[] BrowserRedirectUris { get; set; } = [];

    /// <summary>The CLI's public client (device code, interactive browser with a loopback redirect, refresh tokens, local-user grant).</summary>
    [Required]
    public string CliClientId { get; set; } = "fileapi-cli";

    public string[] CliRedirectUris { get; set; } = ["http://localhost:8400/"];

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The non-interactive grant for scripts and tests (<see cref="LocalUsers.LocalUserGrantType"/>): on only when set.</summary>
    public bool EnableLocalUserGrant { get; set; }

    public string FullScope => $"{ApiAudience}/{Scope}";

    public Uri Authority => new(Url, TenantId);

    public Uri Issuer => new(Url, $"{TenantId}/v2.0");
}
