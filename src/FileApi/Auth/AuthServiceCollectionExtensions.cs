using FileApi.Events;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Identity.Web;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FileApi.Auth;

public static class AuthServiceCollectionExtensions
{
    /// <summary>
    /// Bearer tokens as the default scheme, configured from the <c>Auth</c> section (a missing or unsafe setting fails
    /// at start): Microsoft.Identity.Web for one Entra tenant, or JwtBearer with another OpenID provider's discovery document
    /// (<c>Auth:Authority</c>, Development and tests). Either way keys come from the provider's JWKS, re-read when a token
    /// names a key it does not know. Plus the
    /// <see cref="AuthorizationPolicies.User"/> policy, which is also the default for RequireAuthorization().
    /// </summary>
    public static IServiceCollection AddJwtAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JwtAuthenticationOptions>()
            .BindConfiguration(JwtAuthenticationOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // Registered before the scheme, so Identity.Web finds our issuer validator and audiences set and keeps them.
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtAuthenticationOptions>>((bearer, auth) => ConfigureBearer(bearer, auth.Value));

        // Which library serves the scheme is decided here, so it is read from configuration now; ValidateOnStart checks it.
        var settings = configuration.GetSection(JwtAuthenticationOptions.SectionName).Get<JwtAuthenticationOptions>() ?? new();
        var authentication = services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme);
        if (settings.UsesAuthority)
        {
            authentication.AddJwtBearer();
        }
        else
        {
            authentication.AddMicrosoftIdentityWebApi(
                _ => { },
                identity =>
                {
                    identity.Instance = settings.Instance;
                    identity.TenantId = settings.TenantId;
                    identity.ClientId = settings.ClientId;
                },
                JwtBearerDefaults.AuthenticationScheme);
        }

        services.TryAddSingleton(TimeProvider.System);
        // After Identity.Web's own configuration, so the scheme's one token handler is the caching one whichever library serves it.
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .PostConfigure<IOptions<JwtAuthenticationOptions>, TimeProvider>((bearer, auth, clock) =>
            {
                bearer.TokenHandlers.Clear();
                bearer.TokenHandlers.Add(new ValidatedTokenCache(clock) { MapInboundClaims = false, MaximumTokenSizeInBytes = auth.Value.MaxTokenLength });
            });

        services.AddRequiredScopeAuthorization();
        services.AddAuthorization();
        services.AddOptions<AuthorizationOptions>().Configure<IOptions<JwtAuthenticationOptions>, IOptions<StorageEventOptions>>((authorization, auth, events) =>
        {
            var user = AuthorizationPolicies.BuildUser(auth.Value.Scope);
            authorization.AddPolicy(AuthorizationPolicies.User, user);
            authorization.DefaultPolicy = user;
            authorization.AddPolicy(AuthorizationPolicies.EventGridDelivery, AuthorizationPolicies.BuildEventGridDelivery(events.Value.RequiredAppRole));
        });
        return services;
    }

    static void ConfigureBearer(JwtBearerOptions bearer, JwtAuthenticationOptions auth)
    {
        // Our code reads the token's own claim names: oid, tid, roles, scp, idtyp.
        bearer.MapInboundClaims = false;
        bearer.RequireHttpsMetadata = auth.RequireHttpsMetadata;
        bearer.RefreshInterval = auth.KeyRefreshMinimumInterval;
        // Keys the issuer withdrew stop working within a day even when no token names an unknown kid.
        bearer.AutomaticRefreshInterval = TimeSpan.FromHours(24);

        var issuers = auth.EffectiveIssuers().ToArray();
        var parameters = bearer.TokenValidationParameters;
        parameters.ValidAlgorithms = auth.EffectiveAllowedAlgorithms().Intersect(JwtAuthenticationOptions.SupportedAlgorithms).ToArray();
        parameters.ClockSkew = auth.ClockSkew;
        parameters.RequireExpirationTime = true;
        parameters.RequireSignedTokens = true;
        // A token's kid names the one key that may verify it, as Entra's tokens always do.
        parameters.TryAllIssuerSigningKeys = false;
        parameters.ValidAudiences = auth.EffectiveAudiences().ToArray();
        parameters.ValidIssuers = issuers;
        // Exactly our tenant's two issuer forms. Identity.Web's own validator would accept any tenant it can look up
        // over the network; this one never leaves the process.
        parameters.IssuerValidator = (issuer, _, _) => issuers.Contains(issuer, StringComparer.Ordinal)
            ? issuer
            : throw new SecurityTokenInvalidIssuerException("The token's issuer is not accepted.") { InvalidIssuer = issuer };
        parameters.NameClaimType = "name";
        parameters.RoleClaimType = "roles";

        if (auth.UsesAuthority)
        {
            bearer.Authority = auth.Authority;
            // Validation allows http only for a loopback authority.
            bearer.RequireHttpsMetadata = new Uri(auth.Authority!).Scheme == Uri.UriSchemeHttps;
            if (!string.IsNullOrEmpty(auth.AuthorityCertificatePath))
                bearer.BackchannelHttpHandler = AuthorityCertificate.TrustOnly(auth.AuthorityCertificatePath);
        }

        bearer.Events = BearerAnswers.Events();
    }
}
