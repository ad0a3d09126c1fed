using FileApi.Client.Transport;

namespace FileApi.Client;

// Webhooks (owners) and server-side import (editors).
public partial class WorkspaceClient
{
    string Webhooks => _workspace + "/webhooks";

    /// <summary>Registers an endpoint for the workspace's file events (owners). The answer holds the signing secret, shown only now.</summary>
    public virtual Task<CreatedWebhook> CreateWebhookAsync(Uri url, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        // Not retried on errors the server may have acted on: a retry would register a second endpoint.
        return _api.SendAsync(HttpMethod.Post, Webhooks, NotificationJsonContext.Default.CreatedWebhook,
            ApiConnection.Json(new CreateWebhookRequest(url.AbsoluteUri), NotificationJsonContext.Default.CreateWebhookRequest), idempotent: false, cancellationToken);
    }

    /// <summary>The workspace's endpoints with their delivery status (owners).</summary>
    public virtual async Task<IReadOnlyList<Webhook>> GetWebhooksAsync(CancellationToken cancellationToken = default) =>
        (await _api.SendAsync(HttpMethod.Get, Webhooks, NotificationJsonContext.Default.WebhookList, null, idempotent: true, cancellationToken)).Webhooks;

    public virtual Task<Webhook> GetWebhookAsync(Guid webhookId, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Get, $"{Webhooks}/{webhookId}", NotificationJsonContext.Default.Webhook, null, idempotent: true, cancellationToken);

    /// <summary>Removes an endpoint; its pending deliveries are dropped.</summary>
    public virtual Task DeleteWebhookAsync(Guid webhookId, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Delete, $"{Webhooks}/{webhookId}", idempotent: true, cancellationToken);

    /// <summary>A new signing secret; until <see cref="WebhookSecret.PreviousSecretExpiresAt"/> deliveries are signed with the old one too.</summary>
    public virtual Task<WebhookSecret> RotateWebhookSecretAsync(Guid webhookId, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Post, $"{Webhooks}/{webhookId}/rotate-secret", NotificationJsonContext.Default.WebhookSecret, null, idempotent: false, cancellationToken);

    /// <summary>The endpoint's most recent deliveries, newest first.</summary>
    public virtual async Task<IReadOnlyList<WebhookDelivery>> GetWebhookDeliveriesAsync(Guid webhookId, CancellationToken cancellationToken = default) =>
        (await _api.SendAsync(HttpMethod.Get, $"{Webhooks}/{webhookId}/deliveries", NotificationJsonContext.Default.WebhookDeliveryList, null,
            idempotent: true, cancellationToken)).Deliveries;

    /// <summary>
    /// Starts a server-side import: a new version at <paramref name="path"/> whose bytes the blob service copies from
    /// <paramref name="sourceUrl"/> (a SAS or presigned https URL). Answers at once; <see cref="WaitForImportAsync"/> waits for the outcome.
    /// </summary>
    public virtual Task<ImportStarted> StartImportAsync(string path, Uri sourceUrl, ImportOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(sourceUrl);
        var request = new ImportRequest(path, sourceUrl.AbsoluteUri, options?.Size, options?.ContentMd5, options?.ContentSha256);
        return _api.SendAsync(HttpMethod.Post, Files + "/imports", NotificationJsonContext.Default.ImportStarted,
            ApiConnection.Json(request, NotificationJsonContext.Default.ImportRequest), idempotent: false, cancellationToken);
    }

    /// <summary>Waits until an import's version is ready; a failed import throws with <see cref="FileApiProblemTypes.VersionFailed"/>.</summary>
    public virtual Task<FileDetails> WaitForImportAsync(ImportStarted import, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(import);
        return PollUntilReadyAsync(import.FileId, import.VersionId, _options.TimeProvider.GetUtcNow() + _options.ReadinessTimeout, cancellationToken);
    }
}
