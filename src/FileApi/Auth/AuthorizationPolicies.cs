using Microsoft.AspNetCore.Authorization;
using Microsoft.Identity.Web;

namespace FileApi.Auth;

/// <summary>Who may call what: users on the user endpoints, Event Grid on the webhook.</summary>
public static class AuthorizationPolicies
{
    /// <summary>A user's delegated token carrying the API's scope (<c>Auth:Scope</c>); app-only tokens get 403. The default policy.</summary>
    public const string User = "User";

    /// <summary>Event Grid's app-only token with the subscriber app role (<c>Events:RequiredAppRole</c>); user tokens get 403.</summary>
    public const string EventGridDelivery = "EventGridDelivery";

    public static AuthorizationPolicy BuildUser(string scope) => new AuthorizationPolicyBuilder()
        .RequireAuthenticatedUser()
        .RequireScope(scope)
        // Entra marks app-only tokens with idtyp=app; a token with app roles and no scope fails RequireScope already.
        .RequireAssertion(context => !context.User.HasClaim("idtyp", "app"))
        .Build();

    public static AuthorizationPolicy BuildEventGridDelivery(string appRole) => new AuthorizationPolicyBuilder()
        .RequireAuthenticatedUser()
        .RequireRole(appRole)
        .RequireClaim("idtyp", "app")
        .Build();
}
