using FileApi.Data;
using FileApi.Http;
using Microsoft.EntityFrameworkCore;

namespace FileApi.Workspaces;

/// <summary>
/// The organisation and workspace a request under <c>/orgs/{org_id}/workspaces/{workspace_id}</c> acts on.
/// Resolved once per request by <see cref="WorkspaceScopeFilter"/> before any handler runs.
/// </summary>
public sealed class WorkspaceScope
{
    public Guid OrganizationId { get; private set; }
    public Guid WorkspaceId { get; private set; }

    internal void Set(Guid organizationId, Guid workspaceId) => (OrganizationId, WorkspaceId) = (organizationId, workspaceId);
}

sealed class WorkspaceScopeFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!Guid.TryParse(http.GetRouteValue("org_id") as string, out var organizationId))
            return Problems.BadRequest(Problems.InvalidId, "The organisation id is not valid.", "org_id must be a UUID.");
        if (!Guid.TryParse(http.GetRouteValue("workspace_id") as string, out var workspaceId))
            return Problems.BadRequest(Problems.InvalidId, "The workspace id is not valid.", "workspace_id must be a UUID.");

        var db = http.RequestServices.GetRequiredService<FileApiDb>();
        var exists = await db.Workspaces.AnyAsync(w => w.Id == workspaceId && w.OrganizationId == organizationId, http.RequestAborted);
        if (!exists)
            return Problems.NotFound(Problems.WorkspaceNotFound, "Workspace not found.", $"There is no workspace {workspaceId} in organisation {organizationId}.");

        http.RequestServices.GetRequiredService<WorkspaceScope>().Set(organizationId, workspaceId);
        return await next(context);
    }
}

public static class WorkspaceScopeExtensions
{
    /// <summary>Routes under this group act on one workspace; the scope is checked before handlers run.</summary>
    public static RouteGroupBuilder MapWorkspaceGroup(this IEndpointRouteBuilder endpoints, string prefix) =>
        endpoints.MapGroup("/file/v2/orgs/{org_id}/workspaces/{workspace_id}" + prefix).AddEndpointFilter<WorkspaceScopeFilter>();
}
