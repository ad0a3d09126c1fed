using FileApi.Data;
using FileApi.Storage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FileApi.Http;

/// <summary>
/// <c>/healthz/live</c>: the process answers (checks nothing, so an outage elsewhere never gets the instance restarted).
/// <c>/healthz/ready</c>: the database answers with every migration applied, and the blob service answers; App Service
/// takes an instance out of rotation while it says 503. <c>/healthz</c> is the ready probe under its first name.
/// </summary>
public static class HealthChecks
{
    public const string LivePath = "/healthz/live";
    public const string ReadyPath = "/healthz/ready";
    public const string LegacyPath = "/healthz";
    const string ReadyTag = "ready";

    public static IServiceCollection AddFileApiHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddDbContextCheck<FileApiDb>("database", tags: [ReadyTag], customTestQuery: MigrationsAppliedAsync)
            // Bounded, since the storage pipeline retries a refused connection for several seconds.
            .AddCheck<BlobServiceHealthCheck>("blob-service", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(15));
        return services;
    }

    public static WebApplication MapFileApiHealthChecks(this WebApplication app)
    {
        var ready = new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) };
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks(ReadyPath, ready);
        app.MapHealthChecks(LegacyPath, ready);
        return app;
    }

    static async Task<bool> MigrationsAppliedAsync(FileApiDb db, CancellationToken ct) =>
        !(await db.Database.GetPendingMigrationsAsync(ct)).Any();

    /// <summary>
    /// No blob service health check package is in our package source, so this one asks for a blob that is never
    /// there: "not found" proves the service answers, knows the container and takes our credentials.
    /// </summary>
    sealed class BlobServiceHealthCheck(BlobStorage storage) : IHealthCheck
    {
        const string ProbeBlobName = "healthz-probe";

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            await storage.GetPropertiesAsync(ProbeBlobName, cancellationToken);
            return HealthCheckResult.Healthy();
        }
    }
}
