using Microsoft.Extensions.Options;

namespace FileApi.Auth;

/// <summary>
/// Trusting the local token issuer's key file (<c>Auth:LocalSigningKeysPath</c>) lets whoever holds that key sign in
/// as anyone, so outside the Development environment (and the test host's Testing) the app refuses to start with it,
/// whatever else is set. The dev-token and dev-seed commands that mint with it check the same (see Http/Commands.cs).
/// </summary>
public static class LocalTokenIssuerGuard
{
    /// <summary>Environments where the local issuer may be trusted: developer machines, and the in-memory test host.</summary>
    public static bool AllowsLocalIssuer(this IHostEnvironment environment) =>
        environment.IsDevelopment() || environment.IsEnvironment("Testing");

    public static IServiceCollection AddLocalTokenIssuerGuard(this IServiceCollection services) =>
        services.AddSingleton<IValidateOptions<JwtAuthenticationOptions>, RefuseOutsideDevelopment>();

    sealed class RefuseOutsideDevelopment(IHostEnvironment environment) : IValidateOptions<JwtAuthenticationOptions>
    {
        public ValidateOptionsResult Validate(string? name, JwtAuthenticationOptions options) =>
            !string.IsNullOrEmpty(options.LocalSigningKeysPath) && !environment.AllowsLocalIssuer()
                ? ValidateOptionsResult.Fail(
                    $"Auth:LocalSigningKeysPath (the local development token issuer) is allowed only in the Development environment, and this is " +
                    $"{environment.EnvironmentName}: set Auth:TenantId and Auth:ClientId so tokens come from Entra ID.")
                : ValidateOptionsResult.Success;
    }
}
