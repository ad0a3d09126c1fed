using FileApi.Auth;
using FileApi.Data;
using FileApi.Workspaces;

namespace FileApi.Http;

/// <summary>
/// One-shot commands of the API executable:
/// <c>FileApi migrate</c> applies database migrations;
/// <c>FileApi dev-seed [--user NAME]</c> prepares the local demo workspace and prints FILEAPI_* lines;
/// <c>FileApi dev-token --user NAME</c> prints a development token for a local user.
/// </summary>
public static class Commands
{
    static readonly TimeSpan DevelopmentTokenLifetime = TimeSpan.FromHours(12);

    public static async Task<bool> TryRunCommandAsync(this WebApplication app, string[] args)
    {
        var user = OptionValue(args, "--user") ?? DevelopmentSeed.DefaultUser;
        switch (args.FirstOrDefault())
        {
            // They mint tokens with the local issuer's key, which only a developer machine trusts.
            case "dev-seed" or "dev-token" when !app.Environment.AllowsLocalIssuer():
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
                    var (organizationId, workspaceId) = await DevelopmentSeed.EnsureAsync(scope.ServiceProvider.GetRequiredService<FileApiDb>(), user, CancellationToken.None);
                    Console.WriteLine($"FILEAPI_ORG={organizationId}");
                    Console.WriteLine($"FILEAPI_WORKSPACE={workspaceId}");
                }
                return true;

            case "dev-token":
                Console.WriteLine(DevelopmentSeed.MintToken(app.Configuration, user, DevelopmentTokenLifetime));
                Console.Error.WriteLine($"Token for local user '{user}' (user id {LocalTokenIssuer.UserIdFor(user)}, tenant {LocalTokenIssuer.LocalTenantId}), valid for {DevelopmentTokenLifetime.TotalHours} hours.");
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
