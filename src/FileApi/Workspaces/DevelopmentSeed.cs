using FileApi.Data;
using Microsoft.EntityFrameworkCore;

namespace FileApi.Workspaces;

/// <summary>
/// <c>FileApi dev-seed</c>: makes sure a demo organisation and workspace exist and prints their ids
/// as shell assignments. Used by <c>scripts/dev up</c>; safe to run any number of times.
/// </summary>
public static class DevelopmentSeed
{
    const string OrganizationName = "Demo organisation";
    const string WorkspaceName = "Demo workspace";

    public static async Task<(Guid OrganizationId, Guid WorkspaceId)> EnsureAsync(FileApiDb db, CancellationToken cancellationToken)
    {
        var organization = await db.Organizations.FirstOrDefaultAsync(o => o.Name == OrganizationName, cancellationToken);
        if (organization is null)
        {
            organization = new Organization { Id = Guid.CreateVersion7(), Name = OrganizationName, CreatedAt = DateTimeOffset.UtcNow };
            db.Organizations.Add(organization);
        }

        var workspace = await db.Workspaces.FirstOrDefaultAsync(w => w.OrganizationId == organization.Id && w.Name == WorkspaceName, cancellationToken);
        if (workspace is null)
        {
            workspace = new Workspace { Id = Guid.CreateVersion7(), OrganizationId = organization.Id, Name = WorkspaceName, CreatedAt = DateTimeOffset.UtcNow };
            db.Workspaces.Add(workspace);
        }

        await db.SaveChangesAsync(cancellationToken);
        return (organization.Id, workspace.Id);
    }
}
