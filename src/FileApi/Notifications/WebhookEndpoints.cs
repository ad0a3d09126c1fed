using System.ComponentModel;
using System.Security.Claims;
using System.Security.Cryptography;
using FileApi.Auth;
using FileApi.Data;
using FileApi.Http;
using FileApi.Workspaces;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FileApi.Notifications;

/// <summary>Workspace owners register, list, delete and rotate the secrets of webhook endpoints, and see their deliveries.</summary>
public static class WebhookEndpoints
{
    public static RouteGroupBuilder MapWebhooks(this IEndpointRouteBuilder endpoints)
    {
        var webhooks = endpoints.MapWorkspaceGroup("/webhooks").WithTags("Webhooks").RequireWorkspaceRole(WorkspaceRole.Owner);

        webhooks.MapPost("/", Create).WithName("createWebhook").ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Register an endpoint for this workspace's file events; the answer holds its signing secret, shown only here.")
            .WithDescription("Events are CloudEvents 1.0 in structured JSON mode, signed per Standard Webhooks (webhook-id, webhook-timestamp, "
                + "webhook-signature). In Production the URL must be https and resolve to public addresses only. 409 webhook-limit past the per-workspace limit.");
        webhooks.MapGet("/", List).WithName("listWebhooks").WithSummary("The workspace's endpoints, each with its delivery status.");
        webhooks.MapGet("/{webhook_id}", Get).WithName("getWebhook").WithSummary("One endpoint with its delivery status.");
        webhooks.MapDelete("/{webhook_id}", Delete).WithName("deleteWebhook")
            .WithSummary("Remove an endpoint; its pending deliveries are dropped.");
        webhooks.MapPost("/{webhook_id}/rotate-secret", RotateSecret).WithName("rotateWebhookSecret")
            .WithSummary("Replace the signing secret; for a while deliveries are signed with the old secret as well.");
        webhooks.MapGet("/{webhook_id}/deliveries", ListDeliveries).WithName("listWebhookDeliveries")
            .WithSummary("The endpoint's most recent deliveries, newest first, with attempts, status codes and the next attempt.");
        return webhooks;
    }

    const string IdDescription = "The webhook id (a UUID).";

    static async Task<Results<Created<WebhookCreatedResponse>, ProblemHttpResult>> Create(CreateWebhookRequest request, [AsParameters] WebhookServices services)
    {
        var (scope, db, ct) = (services.Scope, services.Db, services.Cancellation);
        if (!services.Urls.TryAccept(request.Url, out var url, out var error))
            return Problems.BadRequest(Problems.InvalidUrl, "The webhook URL is not valid.", "url " + error);
        if (await db.WebhookEndpoints.CountAsync(e => e.WorkspaceId == scope.WorkspaceId, ct) >= services.Options.Value.MaxEndpointsPerWorkspace)
            return Problems.Create(StatusCodes.Status409Conflict, Problems.WebhookLimit, "The workspace has as many webhooks as it may.",
                $"A workspace may have at most {services.Options.Value.MaxEndpointsPerWorkspace} webhooks; delete one first.");

        var now = services.Clock.GetUtcNow();
        var endpoint = new WebhookEndpoint
        {
            Id = Guid.CreateVersion7(now), WorkspaceId = scope.WorkspaceId, Url = url.AbsoluteUri, Secret = NewSecret(),
            CreatedAt = now, CreatedById = services.User.GetCaller().Id,
        };
        db.WebhookEndpoints.Add(endpoint);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"{services.Http.Request.PathBase}{services.Http.Request.Path.Value!.TrimEnd('/')}/{endpoint.Id}",
            new WebhookCreatedResponse(endpoint.Id, endpoint.Url, endpoint.CreatedAt, endpoint.CreatedById, endpoint.Secret));
    }

    static async Task<Ok<WebhookListResponse>> List([AsParameters] WebhookServices services) =>
        TypedResults.Ok(new WebhookListResponse(await DescribeAsync(services, webhookId: null)));

    static async Task<Results<Ok<WebhookResponse>, ProblemHttpResult>> Get([Description(IdDescription)] string webhook_id, [AsParameters] WebhookServices services)
    {
        if (!TryParseId(webhook_id, out var id, out var problem))
            return problem;
        var found = await DescribeAsync(services, id);
        return found.Count == 1 ? TypedResults.Ok(found[0]) : NotFound(id);
    }

    static async Task<Results<NoContent, ProblemHttpResult>> Delete([Description(IdDescription)] string webhook_id, [AsParameters] WebhookServices services)
    {
        if (!TryParseId(webhook_id, out var id, out var problem))
            return problem;
        var deleted = await services.Db.WebhookEndpoints.Where(e => e.Id == id && e.WorkspaceId == services.Scope.WorkspaceId)
            .ExecuteDeleteAsync(services.Cancellation);
        return deleted == 1 ? TypedResults.NoContent() : NotFound(id);
    }

    static async Task<Results<Ok<WebhookSecretResponse>, ProblemHttpResult>> RotateSecret(
        [Description(IdDescription)] string webhook_id, [AsParameters] WebhookServices services)
    {
        if (!TryParseId(webhook_id, out var id, out var problem))
            return problem;
        var secret = NewSecret();
        var previousExpiresAt = services.Clock.GetUtcNow() + services.Options.Value.PreviousSecretLifetime;
        var rotated = await services.Db.WebhookEndpoints.Where(e => e.Id == id && e.WorkspaceId == services.Scope.WorkspaceId)
            .ExecuteUpdateAsync(set => set
                .SetProperty(e => e.PreviousSecret, e => e.Secret)
                .SetProperty(e => e.PreviousSecretExpiresAt, previousExpiresAt)
                .SetProperty(e => e.Secret, secret), services.Cancellation);
        return rotated == 1 ? TypedResults.Ok(new WebhookSecretResponse(id, secret, previousExpiresAt)) : NotFound(id);
    }

    static async Task<Results<Ok<DeliveryListResponse>, ProblemHttpResult>> ListDeliveries(
        [Description(IdDescription)] string webhook_id, [AsParameters] WebhookServices services)
    {
        if (!TryParseId(webhook_id, out var id, out var problem))
            return problem;
        var (db, ct) = (services.Db, services.Cancellation);
        if (!await db.WebhookEndpoints.AnyAsync(e => e.Id == id && e.WorkspaceId == services.Scope.WorkspaceId, ct))
            return NotFound(id);
        var deliveries = await db.WebhookDeliveries.AsNoTracking()
            .Where(d => d.EndpointId == id)
            .OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id)
            .Take(services.Options.Value.MaxDeliveriesListed)
            .ToListAsync(ct);
        return TypedResults.Ok(new DeliveryListResponse(deliveries.Select(d => new DeliveryResponse(
            d.Id, d.EventId, d.EventType, d.Subject, d.Status.ToString().ToLowerInvariant(), d.Attempts, d.CreatedAt,
            d.LastAttemptAt, d.LastStatusCode, d.LastError, d.Status == DeliveryStatus.Pending ? d.NextAttemptAt : null, d.DeliveredAt)).ToList()));
    }

    static async Task<List<WebhookResponse>> DescribeAsync(WebhookServices services, Guid? webhookId)
    {
        var rows = await services.Db.WebhookEndpoints.AsNoTracking()
            .Where(e => e.WorkspaceId == services.Scope.WorkspaceId && (webhookId == null || e.Id == webhookId))
            .OrderBy(e => e.CreatedAt).ThenBy(e => e.Id)
            .Select(e => new
            {
                Endpoint = e,
                Pending = services.Db.WebhookDeliveries.Count(d => d.EndpointId == e.Id && d.Status == DeliveryStatus.Pending),
                NextAttemptAt = services.Db.WebhookDeliveries.Where(d => d.EndpointId == e.Id && d.Status == DeliveryStatus.Pending)
                    .Min(d => (DateTimeOffset?)d.NextAttemptAt),
                Failed = services.Db.WebhookDeliveries.Count(d => d.EndpointId == e.Id && d.Status == DeliveryStatus.Failed),
            })
            .ToListAsync(services.Cancellation);
        return rows.Select(r => new WebhookResponse(r.Endpoint.Id, r.Endpoint.Url, r.Endpoint.CreatedAt, r.Endpoint.CreatedById,
            new WebhookDeliveryStatus(r.Endpoint.LastAttemptAt, r.Endpoint.LastStatusCode, r.Endpoint.LastError, r.Endpoint.LastSuccessAt,
                r.Pending, r.NextAttemptAt, r.Failed))).ToList();
    }

    /// <summary>32 random bytes in the Standard Webhooks form, "whsec_" + base64.</summary>
    static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    static bool TryParseId(string raw, out Guid id, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        problem = Guid.TryParse(raw, out id) ? null : Problems.BadRequest(Problems.InvalidId, "The webhook id is not valid.", $"webhook_id must be a UUID; got '{raw}'.");
        return problem is null;
    }

    static ProblemHttpResult NotFound(Guid id) =>
        Problems.NotFound(Problems.WebhookNotFound, "Webhook not found.", $"There is no webhook {id} in this workspace.");
}

/// <summary>What webhook handlers need, bound with [AsParameters].</summary>
public sealed record WebhookServices(
    WorkspaceScope Scope, ClaimsPrincipal User, FileApiDb Db, OutboundUrls Urls, IOptions<WebhooksOptions> Options,
    TimeProvider Clock, HttpContext Http, CancellationToken Cancellation);

public static class NotificationServices
{
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        services.AddOptions<WebhooksOptions>().BindConfiguration("Webhooks").ValidateDataAnnotations().ValidateOnStart();
        services.AddOutboundUrls(provider => provider.GetRequiredService<IOptions<WebhooksOptions>>().Value.RequestTimeout);
        services.AddSingleton<DeliverySignal>();
        services.AddScoped<WebhookOutbox>();
        services.AddScoped<WebhookDispatcher>();
        services.AddHostedService<WebhookDeliveryService>();
        return services;
    }
}
