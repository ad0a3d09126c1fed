using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FileApi.Auth;

public static class AuthServiceCollectionExtensions
{
    /// <summary>
    /// Bearer token authentication as the default scheme, configured from the <c>Auth</c> section
    /// (a missing or unsafe setting fails at start), plus authorization so endpoints can RequireAuthorization().
    /// </summary>
    public static IServiceCollection AddJwtAuthentication(this IServiceCollection services)
    {
        // The scheme's options are named after it; that is the instance the handler and the key provider read.
        services.AddOptions<JwtAuthenticationOptions>(JwtAuthenticationOptions.SchemeName)
            .BindConfiguration(JwtAuthenticationOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddAuthentication(JwtAuthenticationOptions.SchemeName)
            .AddScheme<JwtAuthenticationOptions, JwtAuthenticationHandler>(JwtAuthenticationOptions.SchemeName, configureOptions: null);
        services.AddAuthorization();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SigningKeyProvider>();
        services.AddHttpClient(SigningKeyProvider.HttpClientName, client =>
        {
            client.Timeout = TimeSpan.FromSeconds(10);
            // A JWKS is a few kilobytes; anything near this is not one.
            client.MaxResponseContentBufferSize = 1024 * 1024;
        });

        return services;
    }
}
