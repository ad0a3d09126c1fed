using System.Security.Claims;
using System.Text.Json.Serialization;
using FileApi.Auth;
using FileApi.Data;
using FileApi.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace FileApi.Workspaces;

/// <summary>Set or clear a workspace's byte quota; <c>quota_bytes</c> must be present, null for no limit.</summary>
public sealed record SetQuotaRequest([property: JsonRequired] long? QuotaBytes);

/// <summary>A workspace's quota (null: no limit) and what it holds now.</summary>
public sealed record QuotaResponse(Guid WorkspaceId, long? QuotaBytes, UsageResponse Usage);

/// <summary>
/// <c>PUT .../workspaces/{id}/quota</c>: organisation admins limit the bytes a workspace's ready versions may take. Admins
/// need no role in the workspace, so this route is outside the workspace group and checks the organisation role itself.
/// The limit is enforced exactly when a version becomes ready (<see cref="Files.VersionLifecycle"/>); registration only
/// refuses a declared size that cannot fit now (<see cref="RefuseDeclaredSizeAsync"/>).
/// </summary>
public static class WorkspaceQuotas
{
    public static RouteHandlerBuilder MapWorkspaceQuota(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPut(WorkspaceScopeExtensions.Prefix + "/quota", SetQuota).RequireAuthorization(AuthorizationPolicies.User)
            .WithTags("Workspaces").WithName("setWorkspaceQuota")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Set or clear the workspace's byte quota (organisation admins); quota_bytes null removes the limit.")
            .WithDescription("The quota bounds usage.bytes, the bytes of the ready versions of live files. A registration whose declared size "
                + "would not fit answers 409 quota-exceeded; a version whose bytes do not fit when it would become ready fails with reason "
                + "quota-exceeded and its bytes are deleted. Lowering the quota below the current usage deletes nothing; new versions "
                + "fail until usage is back under it. 400 invalid-quota for a negative value.");

    static async Task<Results<Ok<QuotaResponse>, ProblemHttpResult>> SetQuota(
        string org_id, string workspace_id, SetQuotaRequest request, [AsParameters] CallerServices services, ILoggerFactory loggers)
    {
        var (db, ct) = (services.Db, services.Cancellation);
        if (!Guid.TryParse(org_id, out var organizationId))
            return Problems.BadRequest(Problems.InvalidId, "The organisation id is not valid.", "org_id must be a UUID.");
        if (!Guid.TryParse(workspace_id, out var workspaceId))
            return Problems.BadRequest(Problems.InvalidId, "The workspace id is not valid.", "workspace_id must be a UUID.");
        if (request.QuotaBytes is < 0)
            return Problems.BadRequest(Problems.InvalidQuota, "The quota is not valid.",
                $"quota_bytes must be a whole number of bytes, zero or more, or null for no limit; got {request.QuotaBytes}.");

        var caller = services.User.GetCaller();
        var tenantId = caller.TenantId ?? "";
        var isAdmin = await db.OrganizationAdmins.AnyAsync(a => a.OrganizationId == organizationId && a.TenantId == tenantId && a.UserId == caller.Id, ct);
        if (!isAdmin)
            return await NotAdminAsync(db, organizationId, workspaceId, caller, ct);

        var changed = await db.Workspaces.Where(w => w.Id == workspaceId && w.OrganizationId == organizationId)
            .ExecuteUpdateAsync(set => set.SetProperty(w => w.QuotaBytes, request.QuotaBytes), ct);
        if (changed == 0)
            return WorkspaceScopeFilter.WorkspaceNotFound(organizationId, workspaceId);
        // A quota decides which uploads fail, so who set it, and to what, is kept in the log.
        loggers.CreateLogger(typeof(WorkspaceQuotas)).LogInformation("The quota of workspace {WorkspaceId} was set to {Quota} by {TenantId}/{UserId}",
            workspaceId, request.QuotaBytes is { } bytes ? bytes.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes" : "no limit", tenantId, caller.Id);
        var usage = await db.WorkspaceUsage.AsNoTracking().Where(u => u.WorkspaceId == workspaceId)
            .Select(u => new UsageResponse(u.Files, u.Bytes)).FirstOrDefaultAsync(ct);
        return TypedResults.Ok(new QuotaResponse(workspaceId, request.QuotaBytes, usage ?? new UsageResponse(0, 0)));
    }

    /// <summary>403 for a member of the workspace who is no admin; 404 for anyone else, who learns nothing about it.</summary>
    static async Task<ProblemHttpResult> NotAdminAsync(FileApiDb db, Guid organizationId, Guid workspaceId, CallerIdentity caller, CancellationToken ct)
    {
        var tenantId = caller.TenantId ?? "";
        var role = await (
            from member in db.WorkspaceMembers
            join workspace in db.Workspaces on member.WorkspaceId equals workspace.Id
            where member.WorkspaceId == workspaceId && workspace.OrganizationId == organizationId && member.TenantId == tenantId && member.UserId == caller.Id
            select (WorkspaceRole?)member.Role).FirstOrDefaultAsync(ct);
        return role is null
            ? WorkspaceScopeFilter.WorkspaceNotFound(organizationId, workspaceId)
            : Problems.Create(StatusCodes.Status403Forbidden, Problems.Forbidden, "Only organisation admins set quotas.",
                "Ask an admin of the organisation to change the workspace's quota.",
                new Dictionary<string, object?> { ["permitted_roles"] = new[] { "admin" }, ["your_role"] = RoleNames.Format(role.Value) });
    }

    /// <summary>
    /// 409 quota-exceeded when a declared size cannot fit: the workspace's ready bytes plus <paramref name="declaredSize"/> pass
    /// its quota. Other pending uploads are not counted (they may never finish); readiness is where the quota is exact.
    /// </summary>
    public static async Task<ProblemHttpResult?> RefuseDeclaredSizeAsync(FileApiDb db, WorkspaceScope scope, long? declaredSize, CancellationToken ct)
    {
        if (declaredSize is not { } size || await RoomAsync(db, scope.WorkspaceId, ct) is not { } room || room.Fits(size))
            return null;
        return Problems.Create(StatusCodes.Status409Conflict, Problems.QuotaExceeded, "The workspace's quota has no room for this file.",
            $"The declared size of {size} bytes does not fit: the workspace holds {room.UsedBytes} of its quota of {room.QuotaBytes} bytes.",
            new Dictionary<string, object?> { ["quota_bytes"] = room.QuotaBytes, ["usage_bytes"] = room.UsedBytes, ["declared_size"] = size });
    }

    /// <summary>The workspace's quota and the bytes its ready versions hold now; null when it has no quota.</summary>
    public static async Task<QuotaRoom?> RoomAsync(FileApiDb db, Guid workspaceId, CancellationToken ct)
    {
        var room = await (
            from workspace in db.Workspaces.AsNoTracking()
            where workspace.Id == workspaceId && workspace.QuotaBytes != null
            from usage in db.WorkspaceUsage.Where(u => u.WorkspaceId == workspace.Id).DefaultIfEmpty()
            select new { Quota = workspace.QuotaBytes!.Value, Bytes = (long?)usage!.Bytes }).FirstOrDefaultAsync(ct);
        return room is null ? null : new QuotaRoom(room.Quota, room.Bytes ?? 0);
    }
}

/// <summary>
/// A quota and what is used of it at one moment: enough to refuse early what cannot fit now. Other pending versions
/// are not counted and usage may grow meanwhile, so readiness still decides exactly.
/// </summary>
public sealed record QuotaRoom(long QuotaBytes, long UsedBytes)
{
    public bool Fits(long size) => UsedBytes + size <= QuotaBytes;
}
