using System.ComponentModel.DataAnnotations;

namespace FileApi.Auth;

/// <summary>
/// The <c>Auth</c> settings: which tokens the API trusts. With <see cref="TenantId"/> and <see cref="ClientId"/> they
/// come from one Entra tenant (Microsoft.Identity.Web); with <see cref="Authority"/> from another OpenID provider whose
/// discovery document and JWKS are read the same way (the local provider in Development, an in-test stand-in in tests).
/// The rest are limits handed to the JwtBearer handler.
/// </summary>
public sealed class JwtAuthenticationOptions : IValidatableObject
{
    public const string SectionName = "Auth";

    // Asymmetric algorithms only, so a public key can never serve as an HMAC secret, and never "none".
    public static readonly IReadOnlySet<string> SupportedAlgorithms =
        new HashSet<string>(["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"], StringComparer.Ordinal);

    static readonly string[] DefaultAllowedAlgorithms = ["RS256", "ES256"];

    /// <summary>Entra tenant (directory) id; implies the authority and both issuer forms. One tenant only.</summary>
    public string? TenantId { get; set; }

    /// <summary>Entra application (client) id of this API; implies the audiences <c>{id}</c> and <c>api://{id}</c>.</summary>
    public string? ClientId { get; set; }

    /// <summary>The Entra instance the signing keys are read from; another value only for a test's metadata server.</summary>
    public string Instance { get; set; } = "https://login.microsoftonline.com/";

    /// <summary>Set to false only for an Entra stand-in on a loopback address (tests); an http <see cref="Authority"/> must be loopback.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>
    /// An OpenID provider other than Entra (Development and tests only): JwtBearer reads
    /// <c>{Authority}/.well-known/openid-configuration</c> and its JWKS, as for Entra. Needs <see cref="Issuers"/> and <see cref="Audiences"/>.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>A PEM certificate that the authority's TLS certificate must be (the local provider's self-signed one); Development only.</summary>
    public string? AuthorityCertificatePath { get; set; }

    // Arrays start empty because the configuration binder appends to an array it finds already filled;
    // the defaults are applied by the Effective* methods instead.
    public string[] Issuers { get; set; } = [];

    public string[] Audiences { get; set; } = [];

    /// <summary>The delegated scope a user's token must carry (<c>scp</c>); the preprovision hook declares it on the app registration.</summary>
    // Not [Required]: the default is the scope the preprovision hook declares, so Azure need not set it.
    [RegularExpression(@"^[\x21\x23-\x5B\x5D-\x7E]+$", ErrorMessage = "Auth:Scope must be one scope value, without spaces or quotes.")]
    public string Scope { get; set; } = "access_as_user";

    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(2);

    [Range(256, 1_000_000)]
    public int MaxTokenLength { get; set; } = 16384;

    /// <summary>Least time between two key fetches caused by tokens naming an unknown <c>kid</c> (Entra).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan KeyRefreshMinimumInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Empty means RS256 and ES256.</summary>
    public string[] AllowedAlgorithms { get; set; } = [];

    public bool UsesAuthority => !string.IsNullOrEmpty(Authority);

    public IReadOnlyList<string> EffectiveAllowedAlgorithms() =>
        AllowedAlgorithms.Length > 0 ? AllowedAlgorithms : DefaultAllowedAlgorithms;

    public IReadOnlyList<string> EffectiveIssuers()
    {
        if (Issuers.Length > 0) return Issuers;
        return string.IsNullOrEmpty(TenantId) ? [] : [$"https://login.microsoftonline.com/{TenantId}/v2.0", $"https://sts.windows.net/{TenantId}/"];
    }

    public IReadOnlyList<string> EffectiveAudiences()
    {
        if (Audiences.Length > 0) return Audiences;
        return string.IsNullOrEmpty(ClientId) ? [] : [ClientId, $"api://{ClientId}"];
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (UsesAuthority)
        {
            if (!Uri.TryCreate(Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
                yield return new("Auth:Authority must be an absolute URL.", [nameof(Authority)]);
            // Plain http only on this machine: the in-test provider. The local development provider serves https.
            else if (authority.Scheme != "https" && !authority.IsLoopback)
                yield return new("Auth:Authority must use https unless it is on a loopback address.", [nameof(Authority)]);
            if (Issuers.Length == 0 || Audiences.Length == 0)
                yield return new("Auth:Authority needs Auth:Issuers:0 and Auth:Audiences:0.", [nameof(Issuers), nameof(Audiences)]);
        }
        else
        {
            // The issuers follow from one tenant id; "common" or "organizations" would accept every tenant's tokens.
            if (!Guid.TryParse(TenantId, out _))
                yield return new("Set Auth:TenantId to the tenant's id (one tenant; multi-tenant is not supported), or Auth:Authority.",
                    [nameof(TenantId), nameof(Authority)]);
            if (string.IsNullOrEmpty(ClientId))
                yield return new("Set Auth:ClientId (the API's app registration), or Auth:Authority.", [nameof(ClientId)]);
            if (!Uri.TryCreate(Instance, UriKind.Absolute, out var instance) || instance.Scheme is not ("https" or "http"))
                yield return new("Auth:Instance must be an absolute URL.", [nameof(Instance)]);
            else if (RequireHttpsMetadata && instance.Scheme != "https")
                yield return new("Auth:Instance must use https.", [nameof(Instance)]);
            else if (!RequireHttpsMetadata && !instance.IsLoopback)
                yield return new("Auth:RequireHttpsMetadata may be false only for an instance on a loopback address.", [nameof(RequireHttpsMetadata)]);
        }

        if (string.IsNullOrEmpty(Scope))
            yield return new("Set Auth:Scope to the API's delegated scope (access_as_user).", [nameof(Scope)]);

        if (EffectiveIssuers().Count == 0)
            yield return new("Set Auth:Issuers (or Auth:TenantId).", [nameof(Issuers)]);

        if (EffectiveAudiences().Count == 0)
            yield return new("Set Auth:Audiences (or Auth:ClientId).", [nameof(Audiences)]);

        if (AllowedAlgorithms.Any(algorithm => !SupportedAlgorithms.Contains(algorithm)))
            yield return new($"Auth:AllowedAlgorithms may only contain {string.Join(", ", SupportedAlgorithms)}.", [nameof(AllowedAlgorithms)]);
    }
}
