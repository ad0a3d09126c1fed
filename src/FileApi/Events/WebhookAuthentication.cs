using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using FileApi.Auth;
using FileApi.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FileApi.Events;

public sealed class StorageEventOptions
{
    public const string SectionName = "Events";

    /// <summary>
    /// Shared secret a local delivery may present in the <c>X-FileApi-Webhook-Secret</c> header (and, in the Development
    /// environment only, in the <c>code</c> query parameter). Empty turns it off; Azure delivers with an Entra token.
    /// </summary>
    public string? WebhookSecret { get; set; }

    /// <summary>
    /// App role that Event Grid's Entra token must carry (assigned to Event Grid's service principal on
    /// this API's app registration). Issuer, audience and signature are checked by the bearer scheme.
    /// </summary>
    [Required]
    public string RequiredAppRole { get; set; } = "AzureEventGridSecureWebhookSubscriber";

    /// <summary>How many events of one delivery are completed at once (each a blob service call and an update).</summary>
    [Range(1, 256)]
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>
    /// How long a delivery waits for its versions to be completed before it is answered anyway, what it said recorded first
    /// (<c>blob_reported_at</c>), the completion going on in the background. Zero answers once recorded; Event Grid allows 30 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:25")]
    public TimeSpan AnswerWithin { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// A delivery naming at most this many uploading versions completes them in its own request and answers once they are
    /// done (or <see cref="AnswerWithin"/> has passed); a larger one records them, answers at once, and completes them in the background.
    /// </summary>
    [Range(0, 5000)]
    public int CompleteBeforeAnswerUpTo { get; set; } = 16;

    /// <summary>Deliveries this instance completes at once in the background, each <see cref="MaxConcurrency"/> blobs at a time.</summary>
    [Range(1, 64)]
    public int BackgroundDeliveries { get; set; } = 4;

    /// <summary>Deliveries that may wait for a background slot; beyond it, a delivery's versions are left to the reconciler.</summary>
    [Range(1, 100_000)]
    public int QueuedDeliveries { get; set; } = 256;
}

/// <summary>
/// A delivery is accepted with Event Grid's Entra token (the <see cref="AuthorizationPolicies.EventGridDelivery"/>
/// policy: app-only, with the subscriber app role) or with the configured secret. Anything else gets 401, or 403 for
/// a valid token of another kind (a user's), before the body is read, so it changes nothing.
/// </summary>
sealed class WebhookAuthenticationFilter(IOptions<StorageEventOptions> options, IAuthorizationService authorization, IHostEnvironment environment)
    : IEndpointFilter
{
    public const string SecretHeader = "X-FileApi-Webhook-Secret";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            // The bearer scheme answers, so a delivery is told exactly what any other caller would be.
            var result = await http.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
            if (!result.Succeeded)
            {
                await http.ChallengeAsync(JwtBearerDefaults.AuthenticationScheme);
                return TypedResults.Empty;
            }

            if (!(await authorization.AuthorizeAsync(result.Principal, AuthorizationPolicies.EventGridDelivery)).Succeeded)
            {
                await http.ForbidAsync(JwtBearerDefaults.AuthenticationScheme);
                return TypedResults.Empty;
            }

            return await next(context);
        }

        // A secret in a URL ends up in access logs and Event Grid's subscription; outside development only the header counts.
        var presented = http.Request.Headers[SecretHeader].FirstOrDefault()
            ?? (environment.IsDevelopment() ? http.Request.Query["code"].FirstOrDefault() : null);
        if (!Matches(options.Value.WebhookSecret, presented))
            return Unauthorized(http, $"Present Event Grid's Entra token, or the webhook secret in the {SecretHeader} header.");
        return await next(context);
    }

    static ProblemHttpResult Unauthorized(HttpContext http, string detail)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer realm=\"fileapi\"";
        return Problems.Create(StatusCodes.Status401Unauthorized, Problems.Unauthorized, "The event delivery is not authenticated.", detail);
    }

    static bool Matches(string? expected, string? presented) =>
        !string.IsNullOrEmpty(expected) && presented is not null
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
}
