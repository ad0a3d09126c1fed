using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace FileApi.Http;

public static class RequestLimits
{
    /// <summary>
    /// File bytes never pass through the API (clients send them straight to blob storage), so every body it reads is
    /// a small JSON document; an endpoint that needs more (the Event Grid webhook) says so with
    /// <see cref="Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute"/>, which routing applies.
    /// </summary>
    public const long MaxJsonBodyBytes = 64 * 1024;

    public static IServiceCollection AddFileApiRequestLimits(this IServiceCollection services) =>
        services.Configure<KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = MaxJsonBodyBytes);
}
