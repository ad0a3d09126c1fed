using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using FileApi.Http;
using FileApi.Workspaces;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FileApi.Auth;

/// <summary>
/// <c>DevelopmentSignIn</c> settings. Off unless set: <c>scripts/dev</c> turns it on so the browser uploader can sign
/// in as a local user. It only ever mints tokens with the local development key.
/// </summary>
public sealed class DevelopmentSignInOptions
{
    public const string SectionName = "DevelopmentSignIn";

    public bool Enabled { get; set; }

    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(12);
}

/// <param name="User">A local user name: letters, digits, '.', '_' or '-'.</param>
public sealed record DevelopmentSignInRequest([property: Description("A local user name: 1 to 64 letters, digits, '.', '_' or '-'.")] string? User);

/// <summary>A bearer token for a local user, shaped like an OAuth 2.0 token response.</summary>
public sealed record DevelopmentSignInResponse(string AccessToken, string TokenType, int ExpiresIn, string UserId, string UserName);

/// <summary>
/// <c>POST /dev/sign-in</c>: a token for any local user, for the browser uploader in development. Mapped only in the
/// Development environment when <c>DevelopmentSignIn:Enabled</c> is true; the app refuses to start with it on in any
/// other environment, or unless tokens are checked against
/// a local key file (<c>Auth:LocalSigningKeysPath</c>), so a deployment that trusts Entra can never mint its own.
/// </summary>
public static partial class DevelopmentSignIn
{
    public const string Path = "/dev/sign-in";

    public static IServiceCollection AddDevelopmentSignIn(this IServiceCollection services)
    {
        services.AddOptions<DevelopmentSignInOptions>().BindConfiguration(DevelopmentSignInOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<DevelopmentSignInOptions>, RequiresLocalSigningKeys>();
        services.AddSingleton<IValidateOptions<DevelopmentSignInOptions>, RequiresDevelopmentEnvironment>();
        return services;
    }

    public static IEndpointRouteBuilder MapDevelopmentSignIn(this IEndpointRouteBuilder endpoints)
    {
        if (!endpoints.ServiceProvider.GetRequiredService<IHostEnvironment>().IsDevelopment()
            || !endpoints.ServiceProvider.GetRequiredService<IOptions<DevelopmentSignInOptions>>().Value.Enabled)
            return endpoints;
        endpoints.MapPost(Path, SignIn).AllowAnonymous().WithTags("Development").WithName("developmentSignIn")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Development only: a bearer token for a local user (DevelopmentSignIn:Enabled).");
        return endpoints;
    }

    static Results<Ok<DevelopmentSignInResponse>, ProblemHttpResult> SignIn(
        DevelopmentSignInRequest request, IConfiguration configuration, IOptions<DevelopmentSignInOptions> options)
    {
        var user = request.User?.Trim();
        if (user is null || !UserName().IsMatch(user))
            return Problems.BadRequest(Problems.InvalidBody, "The user name is not valid.", "user must be 1 to 64 letters, digits, '.', '_' or '-'.");

        var lifetime = options.Value.TokenLifetime;
        var token = DevelopmentSeed.MintToken(configuration, user, lifetime);
        return TypedResults.Ok(new DevelopmentSignInResponse(token, "Bearer", (int)lifetime.TotalSeconds, LocalTokenIssuer.UserIdFor(user).ToString(), user));
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex UserName();

    // Whatever else is set: outside Development the route is never mapped, and asking for it stops the start.
    sealed class RequiresDevelopmentEnvironment(IHostEnvironment environment) : IValidateOptions<DevelopmentSignInOptions>
    {
        public ValidateOptionsResult Validate(string? name, DevelopmentSignInOptions options) =>
            options.Enabled && !environment.IsDevelopment()
                ? ValidateOptionsResult.Fail(
                    $"DevelopmentSignIn:Enabled is allowed only in the Development environment, and this is {environment.EnvironmentName}: " +
                    "remove the setting (or run with ASPNETCORE_ENVIRONMENT=Development on a developer machine).")
                : ValidateOptionsResult.Success;
    }

    sealed class RequiresLocalSigningKeys(IConfiguration configuration) : IValidateOptions<DevelopmentSignInOptions>
    {
        public ValidateOptionsResult Validate(string? name, DevelopmentSignInOptions options)
        {
            if (!options.Enabled)
                return ValidateOptionsResult.Success;
            var auth = configuration.GetSection(JwtAuthenticationOptions.SectionName).Get<JwtAuthenticationOptions>() ?? new();
            return string.IsNullOrEmpty(auth.LocalSigningKeysPath) || auth.Issuers.Length == 0 || auth.Audiences.Length == 0
                ? ValidateOptionsResult.Fail(
                    "DevelopmentSignIn:Enabled needs Auth:LocalSigningKeysPath, Auth:Issuers:0 and Auth:Audiences:0: it mints tokens with the local " +
                    "development key, so it cannot be turned on where tokens come from Entra ID.")
                : ValidateOptionsResult.Success;
        }
    }
}
