using FileApi.Auth;
using FileApi.Data;
using FileApi.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace FileApi.Workspaces;

/// <summary>
/// The organisation and workspace a request under <c>/orgs/{org_id}/workspaces/{workspace_id}</c> acts on,
/// and the caller's role there. Resolved once per request by <see cref="WorkspaceScopeFilter"/> before any
/// handler runs.
/// </summary>
public sealed class WorkspaceScope
{
    WorkspaceRole _role;
    bool _roleUnchecked;

    public Guid OrganizationId { get; private set; }
    public Guid WorkspaceId { get; private set; }

    /// <summary>The caller's role, checked against the endpoint's least role; reading it before the check is a bug, so it throws.</summary>
    public WorkspaceRole Role => _roleUnchecked
        ? throw new InvalidOperationException("The caller's role in the workspace is read before it was checked.")
        : _role;

    internal void Set(Guid organizationId, Guid workspaceId, WorkspaceRole role) =>
        (OrganizationId, WorkspaceId, _role, _roleUnchecked) = (organizationId, workspaceId, role, false);

    /// <summary>For an endpoint that reads the caller's role in its own query: the ids only, until <see cref="Admit"/>.</summary>
    internal void SetUnchecked(Guid organizationId, Guid workspaceId) =>
        (OrganizationId, WorkspaceId, _roleUnchecked) = (organizationId, workspaceId, true);

    /// <summary>
    /// The same check <see cref="WorkspaceScopeFilter"/> makes, for the role an endpoint marked with
    /// <see cref="ReadsWorkspaceRoleInItsQuery"/> read with its own data: null when the caller may go on.
    /// </summary>
    public ProblemHttpResult? Admit(HttpContext http, WorkspaceRole? role)
    {
        if (WorkspaceScopeFilter.Refusal(http, OrganizationId, WorkspaceId, role) is { } refused)
            return refused;
        Set(OrganizationId, WorkspaceId, role!.Value);
        return null;
    }
}

/// <summary>
/// Endpoint metadata: the handler reads the caller's membership in the same round trip as its data, and must call
/// <see cref="WorkspaceScope.Admit"/> before it answers anything else; <see cref="WorkspaceScope.Role"/> throws until then.
/// </summary>
public sealed record ReadsWorkspaceRoleInItsQuery;

/// <summary>Endpoint metadata: the least role an endpoint needs. Endpoints without it need <see cref="WorkspaceRole.Viewer"/>.</summary>
public sealed record RequiredWorkspaceRole(WorkspaceRole Role);

sealed class WorkspaceScopeFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!Guid.TryParse(http.GetRouteValue("org_id") as string, out var organizationId))
            return Problems.BadRequest(Problems.InvalidId, "The organisation id is not valid.", "org_id must be a UUID.");
        if (!Guid.TryParse(http.GetRouteValue("workspace_id") as string, out var workspaceId))
            return Problems.BadRequest(Problems.InvalidId, "The workspace id is not valid.", "workspace_id must be a UUID.");

        var scope = http.RequestServices.GetRequiredService<WorkspaceScope>();
        if (http.GetEndpoint()?.Metadata.GetMetadata<ReadsWorkspaceRoleInItsQuery>() is not null)
        {
            scope.SetUnchecked(organizationId, workspaceId);
            return await next(context);
        }

        var role = await RoleOfCallerAsync(http, organizationId, workspaceId);
        if (Refusal(http, organizationId, workspaceId, role) is { } refused)
            return refused;
        scope.Set(organizationId, workspaceId, role!.Value);
        return await next(context);
    }

    /// <summary>The caller's role in the workspace of the organisation, null without one; compiled, as every request runs it.</summary>
    public static Task<WorkspaceRole?> RoleOfCallerAsync(HttpContext http, Guid organizationId, Guid workspaceId)
    {
        var caller = http.User.GetCaller();
        var db = http.RequestServices.GetRequiredService<FileApiDb>();
        return RoleOf.For(db)(db, workspaceId, organizationId, caller.TenantId ?? "", caller.Id, http.RequestAborted);
    }

    static readonly CompiledQuery<Func<FileApiDb, Guid, Guid, string, string, CancellationToken, Task<WorkspaceRole?>>> RoleOf = new(() => EF.CompileAsyncQuery(
        (FileApiDb db, Guid workspaceId, Guid organizationId, string tenantId, string userId, CancellationToken ct) => (
            from member in db.WorkspaceMembers
            join workspace in db.Workspaces on member.WorkspaceId equals workspace.Id
            where member.WorkspaceId == workspaceId && workspace.OrganizationId == organizationId
                && member.TenantId == tenantId && member.UserId == userId
            select (WorkspaceRole?)member.Role).FirstOrDefault()));

    /// <summary>404 without a role, 403 below the endpoint's least role; null when the caller may go on.</summary>
    internal static ProblemHttpResult? Refusal(HttpContext http, Guid organizationId, Guid workspaceId, WorkspaceRole? role)
    {
        // Without a role the caller learns nothing, not even whether the workspace exists.
        if (role is null)
            return WorkspaceNotFound(organizationId, workspaceId);
        var required = http.GetEndpoint()?.Metadata.GetMetadata<RequiredWorkspaceRole>()?.Role ?? WorkspaceRole.Viewer;
        return role < required ? Forbidden(required, role.Value) : null;
    }

    public static ProblemHttpResult WorkspaceNotFound(Guid organizationId, Guid workspaceId) =>
        Problems.NotFound(Problems.WorkspaceNotFound, "Workspace not found.",
            $"There is no workspace {workspaceId} in organisation {organizationId} that you have a role in.");

    public static ProblemHttpResult Forbidden(WorkspaceRole required, WorkspaceRole actual) =>
        Problems.Create(StatusCodes.Status403Forbidden, Problems.Forbidden, "Your role does not allow this.",
            $"This needs the {RoleNames.Format(required)} role or higher; you are {RoleNames.Format(actual)}.",
            new Dictionary<string, object?>
            {
                ["permitted_roles"] = Enum.GetValues<WorkspaceRole>().Where(r => r >= required).Select(RoleNames.Format).ToArray(),
                ["your_role"] = RoleNames.Format(actual),
            });
}

public static class WorkspaceScopeExtensions
{
    public const string Prefix = "/file/v2/orgs/{org_id}/workspaces/{workspace_id}";

    /// <summary>
    /// Routes under this group act on one workspace: authenticated, scope and role checked before handlers run.
    /// Any of them may answer 400 for a malformed id and 404 for a workspace the caller has no role in.
    /// </summary>
    public static RouteGroupBuilder MapWorkspaceGroup(this IEndpointRouteBuilder endpoints, string prefix) =>
        endpoints.MapGroup(Prefix + prefix).RequireAuthorization(AuthorizationPolicies.User).AddEndpointFilter<WorkspaceScopeFilter>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

    /// <summary>The least role the endpoint needs; a caller below it gets 403.</summary>
    public static TBuilder RequireWorkspaceRole<TBuilder>(this TBuilder builder, WorkspaceRole role) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredWorkspaceRole(role),
            new ProducesResponseTypeMetadata(StatusCodes.Status403Forbidden, typeof(ProblemDetails), ["application/problem+json"]));
}
