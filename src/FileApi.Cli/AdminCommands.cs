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

        return new Command("workspaces", "List and create workspaces; show or set a workspace's quota.") { list, create, Quota(global, host) };
    }

    /// <summary><c>fileapi workspaces quota [BYTES|none]</c>: shows the usage and quota of --workspace, or sets it (organisation admins).</summary>
    static Command Quota(GlobalOptions global, CliHost host)
    {
        var limit = new Argument<string?>("limit")
        {
            Description = "New quota: bytes, or with a unit (500MiB, 10GiB, 2TiB), or 'none' to remove it. Omit to show the usage and quota.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && !QuotaSizes.TryParse(value, out _))
                result.AddError($"'{value}' is not a number of bytes (optionally with KiB, MiB, GiB or TiB) or 'none'.");
        });
        var quota = new Command("quota", "Show the workspace's usage and quota (--workspace), or set it (organisation admins).") { limit };
        quota.SetHandler(global, host, async context =>
        {
            if (context.Get(limit) is not { } value)
            {
                var workspace = await context.Workspace.GetWorkspaceAsync(context.CancellationToken);
                var usage = workspace.Usage ?? new WorkspaceUsage(0, 0);
                var shown = new WorkspaceQuota(workspace.Id, workspace.QuotaBytes, usage);
                return context.Print(shown, () => [$"{usage.Files} files, {usage.Bytes} bytes; quota: {QuotaSizes.Format(workspace.QuotaBytes)}"]);
            }
            QuotaSizes.TryParse(value, out var bytes);
            var set = await context.Workspace.SetQuotaAsync(bytes, context.CancellationToken);
            return context.Print(set, () => [$"Quota of {set.WorkspaceId} is now {QuotaSizes.Format(set.QuotaBytes)}; it holds {set.Usage.Bytes} bytes."]);
        });
        return quota;
    }

    static class QuotaSizes
    {
        static readonly (string Unit, long Factor)[] Units = [("TiB", 1L << 40), ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10), ("B", 1)];

        /// <summary>"none" is null (no limit); otherwise a whole number of bytes, optionally times a binary unit.</summary>
        public static bool TryParse(string text, out long? bytes)
        {
            bytes = null;
            if (text.Equals("none", StringComparison.OrdinalIgnoreCase))
                return true;
            var (number, factor) = Units.Where(u => text.EndsWith(u.Unit, StringComparison.OrdinalIgnoreCase))
                .Select(u => (text[..^u.Unit.Length], u.Factor)).FirstOrDefault((text, 1L));
            if (!long.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count)
                || count > long.MaxValue / factor)
                return false;
            bytes = count * factor;
            return true;
        }

        public static string Format(long? bytes) => bytes is { } limit ? $"{limit} bytes" : "no quota";
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
