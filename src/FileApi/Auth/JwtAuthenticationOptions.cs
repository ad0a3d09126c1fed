using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Authentication;

namespace FileApi.Auth;

/// <summary>
/// Settings of the bearer token scheme, bound from the <c>Auth</c> configuration section.
/// They map onto an Entra ID app registration: set <see cref="TenantId"/> and <see cref="ClientId"/>
/// and the authority, issuers and audiences follow. Development and tests use <see cref="LocalSigningKeysPath"/>.
/// </summary>
public sealed class JwtAuthenticationOptions : AuthenticationSchemeOptions, IValidatableObject
{
    public const string SchemeName = "Bearer";
    public const string SectionName = "Auth";

    // The only algorithms that may ever be allowed: asymmetric ones, so a public key can never be used
    // as an HMAC secret, and never "none".
    public static readonly IReadOnlySet<string> SupportedAlgorithms =
        new HashSet<string>(["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"], StringComparer.Ordinal);

    static readonly string[] DefaultAllowedAlgorithms = ["RS256", "ES256"];

    // Multi-tenant endpoints have no single issuer to check, and this handler only accepts known issuers.
    static readonly string[] MultiTenantIds = ["common", "organizations", "consumers"];

    /// <summary>Entra tenant (directory) id; implies the authority and the accepted issuers.</summary>
    public string? TenantId { get; set; }

    /// <summary>Entra application (client) id of this API; implies the accepted audiences.</summary>
    public string? ClientId { get; set; }

    /// <summary>Issuer base URL; signing keys come from its OpenID configuration document.</summary>
    public string? Authority { get; set; }

    /// <summary>Overrides <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    public string? MetadataAddress { get; set; }

    /// <summary>Set to false only for a metadata server on loopback in tests.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    // Arrays start empty because the configuration binder appends to an array it finds already filled;
    // the defaults are applied by the Effective* methods instead.
    public string[] Issuers { get; set; } = [];

    public string[] Audiences { get; set; } = [];

    /// <summary>A JWKS file with public keys, for development and tests; when set, no network is used.</summary>
    public string? LocalSigningKeysPath { get; set; }

    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(2);

    [Range(256, 1_000_000)]
    public int MaxTokenLength { get; set; } = 16384;

    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan KeyRefreshMinimumInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Empty means RS256 and ES256.</summary>
    public string[] AllowedAlgorithms { get; set; } = [];

    public IReadOnlyList<string> EffectiveAllowedAlgorithms() =>
        AllowedAlgorithms.Length > 0 ? AllowedAlgorithms : DefaultAllowedAlgorithms;

    public IReadOnlyList<string> EffectiveIssuers()
    {
        if (Issuers.Length > 0) return Issuers;
        if (!string.IsNullOrEmpty(TenantId))
            return [$"https://login.microsoftonline.com/{TenantId}/v2.0", $"https://sts.windows.net/{TenantId}/"];
        return string.IsNullOrEmpty(Authority) ? [] : [Authority];
    }

    public IReadOnlyList<string> EffectiveAudiences()
    {
        if (Audiences.Length > 0) return Audiences;
        return string.IsNullOrEmpty(ClientId) ? [] : [ClientId, $"api://{ClientId}"];
    }

    public string? EffectiveMetadataAddress()
    {
        if (!string.IsNullOrEmpty(MetadataAddress)) return MetadataAddress;
        var authority = !string.IsNullOrEmpty(Authority) ? Authority
            : !string.IsNullOrEmpty(TenantId) ? $"https://login.microsoftonline.com/{TenantId}/v2.0"
            : null;
        return authority is null ? null : $"{authority.TrimEnd('/')}/.well-known/openid-configuration";
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(LocalSigningKeysPath) && EffectiveMetadataAddress() is null)
        {
            yield return new("Set Auth:TenantId, Auth:Authority, Auth:MetadataAddress or Auth:LocalSigningKeysPath so signing keys can be found.",
                [nameof(TenantId), nameof(Authority), nameof(MetadataAddress), nameof(LocalSigningKeysPath)]);
        }

        if (EffectiveIssuers().Count == 0)
            yield return new("Set Auth:Issuers (or Auth:TenantId or Auth:Authority).", [nameof(Issuers)]);

        if (EffectiveAudiences().Count == 0)
            yield return new("Set Auth:Audiences (or Auth:ClientId).", [nameof(Audiences)]);

        if (TenantId is not null && MultiTenantIds.Contains(TenantId, StringComparer.OrdinalIgnoreCase))
            yield return new("Auth:TenantId must name one tenant; multi-tenant issuers are not supported.", [nameof(TenantId)]);

        if (AllowedAlgorithms.Any(algorithm => !SupportedAlgorithms.Contains(algorithm)))
        {
            yield return new($"Auth:AllowedAlgorithms may only contain {string.Join(", ", SupportedAlgorithms)}.",
                [nameof(AllowedAlgorithms)]);
        }

        if (EffectiveMetadataAddress() is { } metadataAddress && string.IsNullOrEmpty(LocalSigningKeysPath))
        {
            if (!Uri.TryCreate(metadataAddress, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
                yield return new("Auth:Authority and Auth:MetadataAddress must be absolute URLs.", [nameof(Authority), nameof(MetadataAddress)]);
            else if (RequireHttpsMetadata && uri.Scheme != "https")
                yield return new("Auth:Authority and Auth:MetadataAddress must use https.", [nameof(Authority), nameof(MetadataAddress)]);
        }
    }
}
