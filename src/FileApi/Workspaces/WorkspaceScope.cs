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
    public Guid OrganizationId { get; private set; }
    public Guid WorkspaceId { get; private set; }
    public WorkspaceRole Role { get; private set; }

    internal void Set(Guid organizationId, Guid workspaceId, WorkspaceRole role) =>
        (OrganizationId, WorkspaceId, Role) = (organizationId, workspaceId, role);
}

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

        var caller = http.User.GetCaller();
        var tenantId = caller.TenantId ?? "";
        var db = http.RequestServices.GetRequiredService<FileApiDb>();
        var role = await (
            from member in db.WorkspaceMembers
            join workspace in db.Workspaces on member.WorkspaceId equals workspace.Id
            where member.WorkspaceId == workspaceId && workspace.OrganizationId == organizationId
                && member.TenantId == tenantId && member.UserId == caller.Id
            select (WorkspaceRole?)member.Role).FirstOrDefaultAsync(http.RequestAborted);

        // Without a role the caller learns nothing, not even whether the workspace exists.
        if (role is null)
            return WorkspaceNotFound(organizationId, workspaceId);

        var required = http.GetEndpoint()?.Metadata.GetMetadata<RequiredWorkspaceRole>()?.Role ?? WorkspaceRole.Viewer;
        if (role < required)
            return Forbidden(required, role.Value);

        http.RequestServices.GetRequiredService<WorkspaceScope>().Set(organizationId, workspaceId, role.Value);
        return await next(context);
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
