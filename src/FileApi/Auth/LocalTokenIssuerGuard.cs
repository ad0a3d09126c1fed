using Microsoft.Extensions.Options;

namespace FileApi.Auth;

/// <summary>
/// Trusting an OpenID provider other than Entra (<c>Auth:Authority</c>: the local development provider, or a test's
/// stand-in) lets whoever runs it sign in as anyone, so outside the Development environment (and the test host's
/// Testing) the app refuses to start with it, whatever else is set. The dev-seed command checks the same (see Http/Commands.cs).
/// </summary>
public static class LocalTokenIssuerGuard
{
    /// <summary>Environments where a local issuer may be trusted: developer machines, and the in-memory test host.</summary>
    public static bool AllowsLocalIssuer(this IHostEnvironment environment) =>
        environment.IsDevelopment() || environment.IsEnvironment("Testing");

    public static IServiceCollection AddLocalTokenIssuerGuard(this IServiceCollection services) =>
        services.AddSingleton<IValidateOptions<JwtAuthenticationOptions>, RefuseOutsideDevelopment>();

    sealed class RefuseOutsideDevelopment(IHostEnvironment environment) : IValidateOptions<JwtAuthenticationOptions>
    {
        public ValidateOptionsResult Validate(string? name, JwtAuthenticationOptions options) =>
            (options.UsesAuthority || !string.IsNullOrEmpty(options.AuthorityCertificatePath)) && !environment.AllowsLocalIssuer()
                ? ValidateOptionsResult.Fail(
                    $"Auth:Authority (a local OpenID provider) is allowed only in the Development environment, and this is " +
                    $"{environment.EnvironmentName}: set Auth:TenantId and Auth:ClientId so tokens come from Entra ID.")
                : ValidateOptionsResult.Success;
    }
}
