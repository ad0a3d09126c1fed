using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using FileApi.Auth;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace FileApi.Http;

public sealed class RateLimitingOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Sustained requests per second for one caller.</summary>
    [Range(1, 100_000)]
    public int RequestsPerSecond { get; set; } = 50;

    /// <summary>How many requests one caller may make at once above the sustained rate.</summary>
    [Range(1, 100_000)]
    public int Burst { get; set; } = 200;
}

/// <summary>
/// A token bucket per caller (the token's user, else the client address). The webhook and the health check
/// are not limited: Event Grid retries on 429 anyway, and a limited probe would report a healthy app as down.
/// </summary>
public static class RateLimiting
{
    public static IServiceCollection AddFileApiRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimitingOptions>().BindConfiguration("RateLimiting").ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                var settings = http.RequestServices.GetRequiredService<IOptions<RateLimitingOptions>>().Value;
                if (!settings.Enabled || http.Request.Path.StartsWithSegments("/events") || http.Request.Path.StartsWithSegments("/healthz"))
                    return RateLimitPartition.GetNoLimiter("unlimited");

                var key = http.User.Identity?.IsAuthenticated == true
                    ? "user:" + http.User.GetCaller().Id
                    : "address:" + http.Connection.RemoteIpAddress;
                return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = settings.Burst,
                    TokensPerPeriod = settings.RequestsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await Problems.Create(StatusCodes.Status429TooManyRequests, Problems.RateLimited, "Too many requests.",
                        $"Slow down; try again in {retryAfter} s.")
                    .ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }
}
