using FileApi.Data;
using FileApi.Workspaces;

namespace FileApi.Http;

/// <summary>One-shot commands of the API executable: <c>FileApi migrate</c> and <c>FileApi dev-seed</c>.</summary>
public static class Commands
{
    public static async Task<bool> TryRunCommandAsync(this WebApplication app, string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "migrate":
                await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
                return true;

            case "dev-seed":
                using (var scope = app.Services.CreateScope())
                {
                    var (organizationId, workspaceId) = await DevelopmentSeed.EnsureAsync(scope.ServiceProvider.GetRequiredService<FileApiDb>(), CancellationToken.None);
                    Console.WriteLine($"FILEAPI_ORG={organizationId}");
                    Console.WriteLine($"FILEAPI_WORKSPACE={workspaceId}");
                }
                return true;

            default:
                return false;
        }
    }
}
