using System.Security.Claims;

namespace FileApi.Auth;

/// <summary>Who is calling, in the terms the rest of the API uses, read from the token's claims.</summary>
/// <param name="Id">The Entra object id (<c>oid</c>), stable across the caller's apps; <c>sub</c> when there is none.</param>
/// <param name="TenantId">The caller's tenant (<c>tid</c>), if the token names one.</param>
/// <param name="IsApplication">A daemon app calling with its own identity rather than on behalf of a user.</param>
public sealed record CallerIdentity(string Id, string? TenantId, string Name, string? Email, bool IsApplication, IReadOnlyList<string> Roles);

public static class CallerIdentityExtensions
{
    /// <summary>The caller of an endpoint that requires authorization.</summary>
    /// <exception cref="InvalidOperationException">The principal has neither an <c>oid</c> nor a <c>sub</c> claim.</exception>
    public static CallerIdentity GetCaller(this ClaimsPrincipal principal)
    {
        var id = principal.FindFirstValue("oid") ?? principal.FindFirstValue("sub")
            ?? throw new InvalidOperationException("The caller has no 'oid' or 'sub' claim; is the endpoint missing RequireAuthorization()?");
        var preferredUserName = principal.FindFirstValue("preferred_username");
        var roles = principal.FindAll("roles").Select(claim => claim.Value).ToArray();

        // App-only tokens carry application permissions in "roles" and no delegated scopes in "scp";
        // Entra also says so outright with the optional "idtyp" claim.
        var isApplication = principal.FindFirstValue("idtyp") == "app" || (!principal.HasClaim(claim => claim.Type == "scp") && roles.Length > 0);

        return new CallerIdentity(
            Id: id,
            TenantId: principal.FindFirstValue("tid"),
            Name: principal.FindFirstValue("name") ?? preferredUserName ?? id,
            Email: principal.FindFirstValue("email") ?? (preferredUserName?.Contains('@') == true ? preferredUserName : null),
            IsApplication: isApplication,
            Roles: roles);
    }
}
