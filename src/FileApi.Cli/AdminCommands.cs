using System.CommandLine;
using FileApi.Client;

namespace FileApi.Cli;

static class AdminCommands
{
    public static Command Workspaces(GlobalOptions global, CliHost host)
    {
        var list = new Command("list", "The workspaces you have a role in, across organisations, with your role.");
        list.SetHandler(global, host, async context =>
        {
            var workspaces = await context.Client.GetWorkspacesAsync(cancellationToken: context.CancellationToken);
            return context.Print(workspaces, () => FileCommands.Table(["ID", "ORGANISATION", "ROLE", "NAME"],
                workspaces.Select(w => new[] { w.Id.ToString(), w.OrganizationId.ToString(), w.Role, w.Name })));
        });

        var name = new Argument<string>("name") { Description = "Name of the new workspace" };
        var create = new Command("create", "Create a workspace in the organisation (--org; organisation admins). You become its owner.") { name };
        create.SetHandler(global, host, async context =>
        {
            var workspace = await context.Client.CreateWorkspaceAsync(context.Settings.OrganizationId, context.Get(name)!, context.CancellationToken);
            return context.Print(workspace, () => [$"Created workspace {workspace.Name}: {workspace.Id}"]);
        });

        return new Command("workspaces", "List and create workspaces.") { list, create };
    }

    public static Command Roles(GlobalOptions global, CliHost host)
    {
        var list = new Command("list", "Who has which role in the workspace (--workspace).");
        list.SetHandler(global, host, async context =>
        {
            var members = await context.Workspace.GetMembersAsync(context.CancellationToken);
            return context.Print(members, () => FileCommands.Table(["USER", "ROLE", "NAME", "EMAIL"],
                members.Select(m => new[] { m.UserId, m.Role, m.Name ?? "", m.Email ?? "" })));
        });

        var user = new Argument<string>("user-id") { Description = "The user's Entra object id" };
        var role = new Argument<string>("role") { Description = "viewer, editor or owner" };
        role.AcceptOnlyFromAmong(WorkspaceRoles.Viewer, WorkspaceRoles.Editor, WorkspaceRoles.Owner);
        var tenant = new Option<string?>("--tenant") { Description = "The user's tenant id (default: yours)", HelpName = "ID" };
        var memberName = new Option<string?>("--name") { Description = "Display name to record", HelpName = "NAME" };
        var email = new Option<string?>("--email") { Description = "Email to record", HelpName = "EMAIL" };
        var grant = new Command("grant", "Grant or change a user's role (owners).") { user, role, tenant, memberName, email };
        grant.SetHandler(global, host, async context =>
        {
            var member = await context.Workspace.GrantRoleAsync(context.Get(user)!, context.Get(role)!, context.Get(tenant), context.Get(memberName),
                context.Get(email), context.CancellationToken);
            return context.Print(member, () => [$"{member.Name ?? member.UserId} is now {member.Role}."]);
        });

        var revokeUser = new Argument<string>("user-id") { Description = "The user's Entra object id" };
        var revokeTenant = new Option<string?>("--tenant") { Description = "The user's tenant id (default: yours)", HelpName = "ID" };
        var revoke = new Command("revoke", "Remove a user's role (owners). The last owner cannot be removed.") { revokeUser, revokeTenant };
        revoke.SetHandler(global, host, async context =>
        {
            await context.Workspace.RevokeRoleAsync(context.Get(revokeUser)!, context.Get(revokeTenant), context.CancellationToken);
            return context.Print(new { revoked = context.Get(revokeUser) }, () => [$"Revoked the role of {context.Get(revokeUser)}."]);
        });

        return new Command("roles", "List, grant and revoke roles in a workspace.") { list, grant, revoke };
    }

    public static Command Organizations(GlobalOptions global, CliHost host)
    {
        var name = new Argument<string>("name") { Description = "Name of the new organisation" };
        var create = new Command("create", "Create an organisation. You become its admin and can create workspaces in it.") { name };
        create.SetHandler(global, host, async context =>
        {
            var organization = await context.Client.CreateOrganizationAsync(context.Get(name)!, context.CancellationToken);
            return context.Print(organization, () => [$"Created organisation {organization.Name}: {organization.Id}"]);
        });
        return new Command("orgs", "Create organisations.") { create };
    }
}
