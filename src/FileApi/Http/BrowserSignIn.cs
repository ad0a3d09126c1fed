using System.ComponentModel.DataAnnotations;
using FileApi.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FileApi.Http;

/// <summary>
/// <c>BrowserSignIn</c> settings: how the browser uploader signs in with MSAL.js. In Azure, the page's single-page
/// application registration (created by the preprovision hook) and the Entra authority; locally, the development
/// identity provider (<c>scripts/dev</c>). None of it is a secret: the page is a public client.
/// </summary>
public sealed class BrowserSignInOptions
{
    public const string SectionName = "BrowserSignIn";

    /// <summary>The page's client id. Without it the page offers only a pasted token.</summary>
    public string? ClientId { get; set; }

    /// <summary>Unset: <c>{Auth:Instance}{Auth:TenantId}</c>, the Entra tenant the API trusts.</summary>
    public string? Authority { get; set; }

    /// <summary>Unset: <c>api://{Auth:ClientId}/{Auth:Scope}</c>, the API's delegated scope.</summary>
    public string? Scope { get; set; }

    /// <summary>How long before expiry MSAL.js renews a cached token; MSAL's default is 5 minutes.</summary>
    [Range(0, 3600)]
    public int TokenRenewalOffsetSeconds { get; set; } = 300;
}

/// <summary>What <c>GET /app/config.json</c> answers: the MSAL.js settings of the page.</summary>
public sealed record BrowserSignInConfig(string ClientId, string Authority, string[] KnownAuthorities, string Scope, int TokenRenewalOffsetSeconds);

public static class BrowserSignIn
{
    public const string ConfigPath = "/app/config.json";
    const string NotConfigured = "urn:fileapi:problem:browser-sign-in-not-configured";

    public static IServiceCollection AddBrowserSignIn(this IServiceCollection services)
    {
        services.AddOptions<BrowserSignInOptions>().BindConfiguration(BrowserSignInOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }

    public static IEndpointRouteBuilder MapBrowserSignIn(this IEndpointRouteBuilder endpoints)
    {
        // The page's own settings, not part of the API's contract; mapped only when sign-in is configured (else the page
        // offers a pasted token).
        var services = endpoints.ServiceProvider;
        if (Resolve(services.GetRequiredService<IOptions<BrowserSignInOptions>>().Value, services.GetRequiredService<IOptions<JwtAuthenticationOptions>>().Value) is not null)
            endpoints.MapGet(ConfigPath, GetConfig).AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }

    static Results<Ok<BrowserSignInConfig>, ProblemHttpResult> GetConfig(IOptions<BrowserSignInOptions> browser, IOptions<JwtAuthenticationOptions> api)
    {
        if (Resolve(browser.Value, api.Value) is not { } config)
            return Problems.NotFound(NotConfigured, "Browser sign-in is not configured.",
                "Set BrowserSignIn:ClientId (and, unless the API trusts Entra, BrowserSignIn:Authority and BrowserSignIn:Scope).");
        return TypedResults.Ok(config);
    }

    public static BrowserSignInConfig? Resolve(BrowserSignInOptions browser, JwtAuthenticationOptions api)
    {
        var authority = browser.Authority ?? (api.TenantId is { Length: > 0 } tenant ? $"{api.Instance.TrimEnd('/')}/{tenant}" : null);
        var scope = browser.Scope ?? (api.ClientId is { Length: > 0 } clientId ? $"api://{clientId}/{api.Scope}" : null);
        if (string.IsNullOrEmpty(browser.ClientId) || authority is null || scope is null || !Uri.TryCreate(authority, UriKind.Absolute, out var authorityUri))
            return null;
        return new BrowserSignInConfig(browser.ClientId, authority, [authorityUri.Authority], scope, browser.TokenRenewalOffsetSeconds);
    }
}
