using FileApi.Auth;
using FileApi.Data;
using FileApi.Workspaces;

namespace FileApi.Http;

/// <summary>
/// One-shot commands of the API executable:
/// <c>FileApi migrate</c> applies database migrations;
/// <c>FileApi dev-seed --user NAME --user-id OID --tenant-id TID</c> prepares the local demo workspace, owned by that user
/// of the development identity provider, and prints FILEAPI_* lines. Tokens come from that provider (<c>scripts/dev token</c>).
/// </summary>
public static class Commands
{
    public static async Task<bool> TryRunCommandAsync(this WebApplication app, string[] args)
    {
        var user = OptionValue(args, "--user") ?? DevelopmentSeed.DefaultUser;
        switch (args.FirstOrDefault())
        {
            // It seeds for the local identity provider, which only a developer machine trusts.
            case "dev-seed" when !app.Environment.AllowsLocalIssuer():
                throw new InvalidOperationException($"'{args[0]}' runs only in the Development environment; this is {app.Environment.EnvironmentName}.");

            case "migrate":
                await using (var scope = app.Services.CreateAsyncScope())
                {
                    var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseMigrations));
                    await scope.ServiceProvider.GetRequiredService<FileApiDb>().ApplyMigrationsAsync(logger, CancellationToken.None);
                }
                return true;

            case "dev-seed":
                using (var scope = app.Services.CreateScope())
                {
                    var (organizationId, workspaceId) = await DevelopmentSeed.EnsureAsync(scope.ServiceProvider.GetRequiredService<FileApiDb>(), user,
                        OptionValue(args, "--user-id") ?? throw new InvalidOperationException("dev-seed needs --user-id (the user's oid)."),
                        OptionValue(args, "--tenant-id") ?? throw new InvalidOperationException("dev-seed needs --tenant-id (the user's tid)."),
                        CancellationToken.None);
                    Console.WriteLine($"FILEAPI_ORG={organizationId}");
                    Console.WriteLine($"FILEAPI_WORKSPACE={workspaceId}");
                }
                return true;

            default:
                return false;
        }
    }

    static string? OptionValue(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
