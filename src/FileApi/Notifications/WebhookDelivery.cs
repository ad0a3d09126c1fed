using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using FileApi.Data;
using FileApi.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StandardWebhooks;

namespace FileApi.Notifications;

public sealed record DeliveryClaim(Guid DeliveryId, Guid Token);

/// <summary>
/// Sends outbox rows. A delivery is claimed with a conditional update (nobody holds it, or its holder stopped
/// longer ago than the claim timeout), so instances never send one at the same time; a process that dies
/// mid-send leaves a claim that goes stale and the delivery is sent again: at least once.
/// </summary>
public sealed class WebhookDispatcher(
    FileApiDb db, IHttpClientFactory clients, OutboundUrls urls, IOptions<WebhooksOptions> options, TimeProvider clock, ILogger<WebhookDispatcher> logger)
{
    public async Task<List<DeliveryClaim>> ClaimDueAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        var staleBefore = now - settings.ClaimTimeout;
        var due = await db.WebhookDeliveries
            .Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now && (d.ClaimToken == null || d.ClaimedAt < staleBefore))
            .OrderBy(d => d.NextAttemptAt)
            .Select(d => d.Id)
            .Take(settings.BatchSize)
            .ToListAsync(ct);

        var claims = new List<DeliveryClaim>();
        foreach (var id in due)
        {
            var token = Guid.NewGuid();
            var claimed = await db.WebhookDeliveries
                .Where(d => d.Id == id && d.Status == DeliveryStatus.Pending && (d.ClaimToken == null || d.ClaimedAt < staleBefore))
                .ExecuteUpdateAsync(set => set
                    .SetProperty(d => d.ClaimOwner, Files.VerificationQueue.InstanceId)
                    .SetProperty(d => d.ClaimToken, token)
                    .SetProperty(d => d.ClaimedAt, now), ct);
            if (claimed == 1)
                claims.Add(new DeliveryClaim(id, token));
        }
        return claims;
    }

    /// <summary>One attempt; its outcome is written only while the claim is still ours.</summary>
    public async Task DeliverAsync(DeliveryClaim claim, CancellationToken ct)
    {
        var delivery = await (
            from d in db.WebhookDeliveries.AsNoTracking()
            join endpoint in db.WebhookEndpoints.AsNoTracking() on d.EndpointId equals endpoint.Id
            where d.Id == claim.DeliveryId && d.ClaimToken == claim.Token
            select new { d.Id, d.Payload, d.Attempts, d.CreatedAt, Endpoint = endpoint }).FirstOrDefaultAsync(ct);
        if (delivery is null)
            return; // the endpoint was deleted, and its deliveries with it

        var sentAt = clock.GetUtcNow();
        var (status, error) = await SendAsync(delivery.Endpoint, delivery.Id, delivery.Payload, sentAt, ct);
        var now = clock.GetUtcNow();
        var settings = options.Value;
        var attempts = delivery.Attempts + 1;
        var delivered = error is null;
        var nextAttempt = now + settings.RetryDelay(attempts);
        var outcome = delivered ? DeliveryStatus.Delivered
            : nextAttempt > delivery.CreatedAt + settings.RetryFor ? DeliveryStatus.Failed
            : DeliveryStatus.Pending;

        await db.WebhookDeliveries.Where(d => d.Id == claim.DeliveryId && d.ClaimToken == claim.Token)
            .ExecuteUpdateAsync(set => set
                .SetProperty(d => d.Status, outcome)
                .SetProperty(d => d.Attempts, attempts)
                .SetProperty(d => d.LastAttemptAt, sentAt)
                .SetProperty(d => d.LastStatusCode, status)
                .SetProperty(d => d.LastError, error)
                .SetProperty(d => d.DeliveredAt, delivered ? now : (DateTimeOffset?)null)
                .SetProperty(d => d.NextAttemptAt, outcome == DeliveryStatus.Pending ? nextAttempt : now)
                .SetProperty(d => d.ClaimOwner, (string?)null)
                .SetProperty(d => d.ClaimToken, (Guid?)null)
                .SetProperty(d => d.ClaimedAt, (DateTimeOffset?)null), CancellationToken.None);
        await db.WebhookEndpoints.Where(e => e.Id == delivery.Endpoint.Id)
            .ExecuteUpdateAsync(set => set
                .SetProperty(e => e.LastAttemptAt, sentAt)
                .SetProperty(e => e.LastStatusCode, status)
                .SetProperty(e => e.LastError, error)
                .SetProperty(e => e.LastSuccessAt, e => delivered ? now : e.LastSuccessAt), CancellationToken.None);

        if (outcome == DeliveryStatus.Failed)
            logger.LogWarning("Gave up delivery {DeliveryId} to webhook {WebhookId} after {Attempts} attempts: {Error}", delivery.Id, delivery.Endpoint.Id, attempts, error);
        else if (!delivered)
            logger.LogInformation("Delivery {DeliveryId} to webhook {WebhookId} failed ({Error}); retrying at {NextAttempt}", delivery.Id, delivery.Endpoint.Id, error, nextAttempt);
    }

    /// <summary>POSTs the CloudEvent signed per Standard Webhooks; (status, null) on a 2xx, otherwise what went wrong.</summary>
    async Task<(int? Status, string? Error)> SendAsync(WebhookEndpoint endpoint, Guid deliveryId, string payload, DateTimeOffset sentAt, CancellationToken ct)
    {
        if (!urls.TryAccept(endpoint.Url, out var url, out var invalid))
            return (null, "the endpoint URL " + invalid);
        var messageId = deliveryId.ToString();
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(payload, Encoding.UTF8, new MediaTypeHeaderValue("application/cloudevents+json") { CharSet = "utf-8" }),
        };
        request.Headers.Add("webhook-id", messageId);
        request.Headers.Add("webhook-timestamp", sentAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", Signatures(endpoint, messageId, sentAt, payload));
        try
        {
            using var response = await clients.CreateClient(OutboundUrls.ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var status = (int)response.StatusCode;
            return response.IsSuccessStatusCode ? (status, null) : (status, $"the endpoint answered {status}");
        }
        catch (HttpRequestException failed) when (failed.InnerException is OutboundAddressRefusedException refused)
        {
            return (null, "refused: " + refused.Message);
        }
        catch (HttpRequestException failed)
        {
            return (null, "no answer: " + failed.Message);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, $"no answer within {options.Value.RequestTimeout.TotalSeconds:0} seconds");
        }
    }

    /// <summary>The current secret's signature, and the previous one's while it is still honoured (space-separated, as the spec allows).</summary>
    string Signatures(WebhookEndpoint endpoint, string messageId, DateTimeOffset sentAt, string payload)
    {
        var current = new StandardWebhook(endpoint.Secret).Sign(messageId, sentAt, payload);
        return endpoint.PreviousSecret is { } previous && endpoint.PreviousSecretExpiresAt > sentAt
            ? current + " " + new StandardWebhook(previous).Sign(messageId, sentAt, payload)
            : current;
    }
}

/// <summary>
/// Sends due deliveries, <see cref="WebhooksOptions.Concurrency"/> at a time: woken by <see cref="DeliverySignal"/>
/// after a commit in this instance, otherwise every <see cref="WebhooksOptions.PollInterval"/> (retries, and events
/// written by other instances or before a restart).
/// </summary>
sealed class WebhookDeliveryService(
    IServiceScopeFactory scopes, DeliverySignal signal, IOptions<WebhooksOptions> options, TimeProvider clock, ILogger<WebhookDeliveryService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Deliver)
            return;
        while (!stoppingToken.IsCancellationRequested)
        {
            var woken = signal.Next();
            var claimed = 0;
            try
            {
                claimed = await RunPassAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogError(exception, "A webhook delivery pass failed; the next one will try again");
            }
            if (claimed == options.Value.BatchSize)
                continue; // more may be due
            await Task.WhenAny(woken, Task.Delay(options.Value.PollInterval, clock, stoppingToken));
        }
    }

    async Task<int> RunPassAsync(CancellationToken ct)
    {
        List<DeliveryClaim> claims;
        await using (var scope = scopes.CreateAsyncScope())
            claims = await scope.ServiceProvider.GetRequiredService<WebhookDispatcher>().ClaimDueAsync(ct);

        await Parallel.ForEachAsync(claims, new ParallelOptions { MaxDegreeOfParallelism = options.Value.Concurrency, CancellationToken = ct },
            async (claim, token) =>
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<WebhookDispatcher>().DeliverAsync(claim, token);
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !token.IsCancellationRequested)
                {
                    // The claim goes stale and another pass sends it again.
                    logger.LogError(exception, "Delivering {DeliveryId} failed", claim.DeliveryId);
                }
            });
        return claims.Count;
    }
}
