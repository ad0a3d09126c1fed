using FileApi.Data;
using Microsoft.EntityFrameworkCore;

namespace FileApi.Workspaces;

/// <summary>
/// For <c>scripts/dev</c>: a demo organisation and workspace owned by a local user of the development identity
/// provider (its ids as that provider's tokens carry them). Safe to run any number of times.
/// </summary>
public static class DevelopmentSeed
{
    public const string DefaultUser = "dev";
    const string OrganizationName = "Demo organisation";
    const string WorkspaceName = "Demo workspace";

    public static async Task<(Guid OrganizationId, Guid WorkspaceId)> EnsureAsync(FileApiDb db, string userName, string userId, string tenantId,
        CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;

        var organization = await db.Organizations.FirstOrDefaultAsync(o => o.Name == OrganizationName, cancellationToken);
        if (organization is null)
        {
            organization = new Organization { Id = Guid.CreateVersion7(), Name = OrganizationName, CreatedAt = now };
            db.Organizations.Add(organization);
            db.OrganizationAdmins.Add(new OrganizationAdmin { OrganizationId = organization.Id, TenantId = tenantId, UserId = userId, GrantedAt = now });
        }

        var workspace = await db.Workspaces.FirstOrDefaultAsync(w => w.OrganizationId == organization.Id && w.Name == WorkspaceName, cancellationToken);
        if (workspace is null)
        {
            workspace = new Workspace { Id = Guid.CreateVersion7(), OrganizationId = organization.Id, Name = WorkspaceName, CreatedAt = now };
            db.Workspaces.Add(workspace);
        }

        if (!await db.WorkspaceMembers.AnyAsync(m => m.WorkspaceId == workspace.Id && m.TenantId == tenantId && m.UserId == userId, cancellationToken))
        {
            db.WorkspaceMembers.Add(new WorkspaceMember
            {
                WorkspaceId = workspace.Id, TenantId = tenantId, UserId = userId, Role = WorkspaceRole.Owner,
                Name = userName, Email = $"{userName}@localhost", GrantedAt = now, GrantedById = userId,
            });
        }

        await db.SaveChangesAsync(cancellationToken);
        return (organization.Id, workspace.Id);
    }
}
