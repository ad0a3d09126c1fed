using FileApi.Auth;
using FileApi.Data;
using Microsoft.EntityFrameworkCore;

namespace FileApi.Workspaces;

/// <summary>
/// Local development identity, for <c>scripts/dev</c>: a signing key beside the configured
/// <c>Auth:LocalSigningKeysPath</c>, a demo organisation and workspace owned by a local user, and tokens
/// for any local user. Safe to run any number of times.
/// </summary>
public static class DevelopmentSeed
{
    public const string DefaultUser = "dev";
    const string OrganizationName = "Demo organisation";
    const string WorkspaceName = "Demo workspace";

    public static async Task<(Guid OrganizationId, Guid WorkspaceId)> EnsureAsync(FileApiDb db, string userName, CancellationToken cancellationToken)
    {
        var userId = LocalTokenIssuer.UserIdFor(userName).ToString();
        const string tenantId = LocalTokenIssuer.LocalTenantId;
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

    /// <summary>A token for a local user, signed with the development key that the API trusts.</summary>
    public static string MintToken(IConfiguration configuration, string userName, TimeSpan lifetime)
    {
        var options = configuration.GetSection(JwtAuthenticationOptions.SectionName).Get<JwtAuthenticationOptions>() ?? new();
        if (options.LocalSigningKeysPath is not { Length: > 0 } keysPath || options.Issuers.Length == 0 || options.Audiences.Length == 0)
            throw new InvalidOperationException("Development tokens need Auth:LocalSigningKeysPath, Auth:Issuers:0 and Auth:Audiences:0.");

        using var issuer = LocalTokenIssuer.LoadOrCreate(Path.GetDirectoryName(Path.GetFullPath(keysPath))!);
        return issuer.Mint(LocalTokenIssuer.UserIdFor(userName).ToString(), userName, $"{userName}@localhost", options.Issuers[0], options.Audiences[0], lifetime,
            scope: options.Scope);
    }
}
