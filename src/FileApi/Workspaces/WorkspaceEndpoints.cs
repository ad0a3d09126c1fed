using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using FileApi.Auth;
using FileApi.Data;
using FileApi.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace FileApi.Workspaces;

/// <summary>
/// Organisations, workspaces and roles. Creating an organisation makes the caller its admin; an admin
/// creates workspaces and becomes their owner; owners grant and revoke roles. Viewers read, editors also
/// write and delete, owners also manage roles and restore.
/// </summary>
public static class WorkspaceEndpoints
{
    const int MaxNameLength = 200;

    public static RouteGroupBuilder MapWorkspaces(this IEndpointRouteBuilder endpoints)
    {
        var root = endpoints.MapGroup("/file/v2").RequireAuthorization(AuthorizationPolicies.User).WithTags("Workspaces");
        root.MapPost("/orgs", CreateOrganization).WithName("createOrganization").ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("Create an organisation; you become its admin.");
        root.MapGet("/workspaces", ListMine).WithName("listMyWorkspaces").WithSummary("The workspaces you have a role in, across organisations.");
        root.MapGet("/orgs/{org_id}/workspaces", ListMineInOrganization).WithName("listMyWorkspacesInOrganization").ProducesProblem(StatusCodes.Status400BadRequest)
            .WithSummary("The workspaces you have a role in, in one organisation.");
        root.MapPost("/orgs/{org_id}/workspaces", CreateWorkspace).WithName("createWorkspace")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Create a workspace (organisation admins); you become its owner.");

        var workspace = endpoints.MapWorkspaceGroup("").WithTags("Workspaces");
        workspace.MapGet("/", GetWorkspace).WithName("getWorkspace")
            .WithSummary("A workspace, your role in it, its usage (live files with a ready version, their ready bytes) and its quota, if any.");
        workspace.MapGet("/roles", ListMembers).WithName("listWorkspaceMembers").WithSummary("Who has which role in the workspace.");
        workspace.MapPut("/roles/{user_id}", GrantRole).WithName("grantWorkspaceRole").RequireWorkspaceRole(WorkspaceRole.Owner).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Grant or change a user's role (owners).");
        workspace.MapDelete("/roles/{user_id}", RevokeRole).WithName("revokeWorkspaceRole").RequireWorkspaceRole(WorkspaceRole.Owner).ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Revoke a user's role (owners). The last owner cannot be removed.");
        return root;
    }

    static async Task<Results<Created<OrganizationResponse>, ProblemHttpResult>> CreateOrganization(
        CreateOrganizationRequest request, ClaimsPrincipal user, FileApiDb db, TimeProvider clock, CancellationToken ct)
    {
        if (!TryValidateName(request.Name, out var name, out var problem))
            return problem;

        var caller = user.GetCaller();
        var now = clock.GetUtcNow();
        var organization = new Organization { Id = Guid.CreateVersion7(now), Name = name, CreatedAt = now };
        db.Organizations.Add(organization);
        db.OrganizationAdmins.Add(new OrganizationAdmin { OrganizationId = organization.Id, TenantId = caller.TenantId ?? "", UserId = caller.Id, GrantedAt = now });
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/file/v2/orgs/{organization.Id}", new OrganizationResponse(organization.Id, organization.Name, organization.CreatedAt));
    }

    static async Task<Results<Created<WorkspaceResponse>, ProblemHttpResult>> CreateWorkspace(
        string org_id, CreateWorkspaceRequest request, [AsParameters] CallerServices services)
    {
        var (user, db, clock, ct) = (services.User, services.Db, services.Clock, services.Cancellation);
        if (!Guid.TryParse(org_id, out var organizationId))
            return Problems.BadRequest(Problems.InvalidId, "The organisation id is not valid.", "org_id must be a UUID.");
        if (!TryValidateName(request.Name, out var name, out var problem))
            return problem;

        var caller = user.GetCaller();
        var tenantId = caller.TenantId ?? "";
        var isAdmin = await db.OrganizationAdmins.AnyAsync(a => a.OrganizationId == organizationId && a.TenantId == tenantId && a.UserId == caller.Id, ct);
        if (!isAdmin)
        {
            var exists = await db.Organizations.AnyAsync(o => o.Id == organizationId, ct);
            return exists
                ? Problems.Create(StatusCodes.Status403Forbidden, Problems.Forbidden, "Only organisation admins create workspaces.",
                    "Ask an admin of the organisation to create the workspace, or to make you an admin.",
                    new Dictionary<string, object?> { ["permitted_roles"] = new[] { "admin" }, ["your_role"] = null })
                : Problems.NotFound(Problems.OrganizationNotFound, "Organisation not found.", $"There is no organisation {organizationId}.");
        }

        var now = clock.GetUtcNow();
        var workspace = new Workspace { Id = Guid.CreateVersion7(now), OrganizationId = organizationId, Name = name, CreatedAt = now };
        db.Workspaces.Add(workspace);
        db.WorkspaceMembers.Add(new WorkspaceMember
        {
            WorkspaceId = workspace.Id, TenantId = tenantId, UserId = caller.Id, Role = WorkspaceRole.Owner,
            Name = caller.Name, Email = caller.Email, GrantedAt = now, GrantedById = caller.Id,
        });
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/file/v2/orgs/{organizationId}/workspaces/{workspace.Id}",
            new WorkspaceResponse(workspace.Id, organizationId, name, now, RoleNames.Format(WorkspaceRole.Owner)));
    }

    static Task<Ok<WorkspaceListResponse>> ListMine(ClaimsPrincipal user, FileApiDb db, CancellationToken ct) =>
        ListWorkspacesAsync(user, db, organizationId: null, ct);

    static async Task<Results<Ok<WorkspaceListResponse>, ProblemHttpResult>> ListMineInOrganization(string org_id, ClaimsPrincipal user, FileApiDb db, CancellationToken ct) =>
        Guid.TryParse(org_id, out var organizationId)
            ? await ListWorkspacesAsync(user, db, organizationId, ct)
            : Problems.BadRequest(Problems.InvalidId, "The organisation id is not valid.", "org_id must be a UUID.");

    static async Task<Ok<WorkspaceListResponse>> ListWorkspacesAsync(ClaimsPrincipal user, FileApiDb db, Guid? organizationId, CancellationToken ct)
    {
        var caller = user.GetCaller();
        var tenantId = caller.TenantId ?? "";
        var rows = await (
            from member in db.WorkspaceMembers
            join workspace in db.Workspaces on member.WorkspaceId equals workspace.Id
            where member.TenantId == tenantId && member.UserId == caller.Id
                && (organizationId == null || workspace.OrganizationId == organizationId)
            orderby workspace.Name, workspace.Id
            select new { workspace, member.Role }).ToListAsync(ct);
        return TypedResults.Ok(new WorkspaceListResponse(rows.Select(r => ToResponse(r.workspace, r.Role)).ToList()));
    }

    static async Task<Ok<WorkspaceResponse>> GetWorkspace(WorkspaceScope scope, FileApiDb db, CancellationToken ct)
    {
        var found = await (
            from w in db.Workspaces.AsNoTracking()
            where w.Id == scope.WorkspaceId
            from u in db.WorkspaceUsage.Where(u => u.WorkspaceId == w.Id).DefaultIfEmpty()
            select new { Workspace = w, Files = (long?)u!.Files, Bytes = (long?)u.Bytes }).SingleAsync(ct);
        return TypedResults.Ok(ToResponse(found.Workspace, scope.Role) with
        {
            Usage = new UsageResponse(found.Files ?? 0, found.Bytes ?? 0),
            QuotaBytes = found.Workspace.QuotaBytes,
        });
    }

    static async Task<Ok<MemberListResponse>> ListMembers(WorkspaceScope scope, FileApiDb db, CancellationToken ct)
    {
        var members = await db.WorkspaceMembers.AsNoTracking()
            .Where(m => m.WorkspaceId == scope.WorkspaceId)
            .OrderBy(m => m.Name).ThenBy(m => m.UserId)
            .ToListAsync(ct);
        return TypedResults.Ok(new MemberListResponse(members.Select(ToResponse).ToList()));
    }

    static async Task<Results<Ok<MemberResponse>, ProblemHttpResult>> GrantRole(
        string user_id, GrantRoleRequest request, [AsParameters] RoleChangeServices services)
    {
        if (string.IsNullOrWhiteSpace(user_id) || user_id.Length > 128)
            return Problems.BadRequest(Problems.InvalidId, "The user id is not valid.", "user_id must be 1 to 128 characters (an Entra object id).");
        if (!RoleNames.TryParse(request.Role, out var role))
            return Problems.BadRequest(Problems.InvalidBody, "The role is not valid.", $"role must be owner, editor or viewer; got '{request.Role}'.");

        var (db, ct) = (services.Db, services.Cancellation);
        var caller = services.User.GetCaller();
        var tenantId = request.TenantId ?? caller.TenantId ?? "";
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await LockRolesAsync(services) is { } refused)
            return refused;
        var member = await db.WorkspaceMembers.FindAsync([services.Scope.WorkspaceId, tenantId, user_id], ct);
        if (member is not null && member.Role == WorkspaceRole.Owner && role != WorkspaceRole.Owner && await IsLastOwnerAsync(db, services.Scope.WorkspaceId, ct))
            return LastOwner();

        member ??= db.WorkspaceMembers.Add(new WorkspaceMember { WorkspaceId = services.Scope.WorkspaceId, TenantId = tenantId, UserId = user_id, GrantedById = caller.Id }).Entity;
        member.Role = role;
        member.Name = request.Name ?? member.Name;
        member.Email = request.Email ?? member.Email;
        member.GrantedAt = services.Clock.GetUtcNow();
        member.GrantedById = caller.Id;
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.Ok(ToResponse(member));
    }

    static async Task<Results<NoContent, ProblemHttpResult>> RevokeRole(
        string user_id, [FromQuery(Name = "tenant_id")] string? tenant_id, [AsParameters] RoleChangeServices services)
    {
        var (db, ct) = (services.Db, services.Cancellation);
        var tenantId = tenant_id ?? services.User.GetCaller().TenantId ?? "";
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await LockRolesAsync(services) is { } refused)
            return refused;
        var member = await db.WorkspaceMembers.FindAsync([services.Scope.WorkspaceId, tenantId, user_id], ct);
        if (member is null)
            return Problems.NotFound(Problems.MemberNotFound, "No such member.", $"User {user_id} has no role in this workspace.");
        if (member.Role == WorkspaceRole.Owner && await IsLastOwnerAsync(db, services.Scope.WorkspaceId, ct))
            return LastOwner();

        db.WorkspaceMembers.Remove(member);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Role changes in one workspace take turns on its row, so the owner count a change checks is the count it
    /// writes against: two owners demoting each other at once leave one of them an owner. Under the lock the caller
    /// must still be an owner, since the other change may just have demoted them.
    /// </summary>
    static async Task<ProblemHttpResult?> LockRolesAsync(RoleChangeServices services)
    {
        var (scope, db, ct) = (services.Scope, services.Db, services.Cancellation);
        await db.Database.ExecuteSqlAsync($"SELECT id FROM workspaces WHERE id = {scope.WorkspaceId} FOR UPDATE", ct);
        var caller = services.User.GetCaller();
        var tenantId = caller.TenantId ?? "";
        var role = await db.WorkspaceMembers.Where(m => m.WorkspaceId == scope.WorkspaceId && m.TenantId == tenantId && m.UserId == caller.Id)
            .Select(m => (WorkspaceRole?)m.Role).FirstOrDefaultAsync(ct);
        return role switch
        {
            WorkspaceRole.Owner => null,
            null => WorkspaceScopeFilter.WorkspaceNotFound(scope.OrganizationId, scope.WorkspaceId),
            _ => WorkspaceScopeFilter.Forbidden(WorkspaceRole.Owner, role.Value),
        };
    }

    static async Task<bool> IsLastOwnerAsync(FileApiDb db, Guid workspaceId, CancellationToken ct) =>
        await db.WorkspaceMembers.CountAsync(m => m.WorkspaceId == workspaceId && m.Role == WorkspaceRole.Owner, ct) <= 1;

    static ProblemHttpResult LastOwner() =>
        Problems.Create(StatusCodes.Status409Conflict, Problems.LastOwner, "A workspace keeps at least one owner.",
            "Make someone else an owner first.");

    static bool TryValidateName(string? raw, [NotNullWhen(true)] out string? name, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        name = raw?.Trim();
        problem = string.IsNullOrEmpty(name) || name.Length > MaxNameLength || name.Any(char.IsControl)
            ? Problems.BadRequest(Problems.InvalidBody, "The name is not valid.", $"name must be 1 to {MaxNameLength} characters without control characters.")
            : null;
        return problem is null;
    }

    static WorkspaceResponse ToResponse(Workspace workspace, WorkspaceRole role) =>
        new(workspace.Id, workspace.OrganizationId, workspace.Name, workspace.CreatedAt, RoleNames.Format(role));

    static MemberResponse ToResponse(WorkspaceMember member) =>
        new(member.UserId, member.TenantId, RoleNames.Format(member.Role), member.Name, member.Email, member.GrantedAt, member.GrantedById);
}

/// <summary>What the role handlers need, bound with [AsParameters].</summary>
public sealed record RoleChangeServices(WorkspaceScope Scope, ClaimsPrincipal User, FileApiDb Db, TimeProvider Clock, CancellationToken Cancellation);

/// <summary>What a handler acting for the caller outside a workspace needs, bound with [AsParameters].</summary>
public sealed record CallerServices(ClaimsPrincipal User, FileApiDb Db, TimeProvider Clock, CancellationToken Cancellation);
