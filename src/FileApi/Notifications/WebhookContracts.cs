namespace FileApi.Notifications;

public sealed record CreateWebhookRequest(string? Url);

/// <summary>A registered endpoint and how its deliveries are going; the secret is answered only at creation and rotation.</summary>
public sealed record WebhookResponse(Guid Id, string Url, DateTimeOffset CreatedAt, string CreatedBy, WebhookDeliveryStatus Delivery);

/// <summary>
/// The last attempt to this endpoint (whatever its event), the last success, and what is still to come:
/// <c>pending</c> deliveries with the earliest <c>next_attempt_at</c>, and <c>failed</c> ones given up after the retry period.
/// </summary>
public sealed record WebhookDeliveryStatus(
    DateTimeOffset? LastAttemptAt, int? LastStatusCode, string? LastError, DateTimeOffset? LastSuccessAt,
    int Pending, DateTimeOffset? NextAttemptAt, int Failed);

public sealed record WebhookCreatedResponse(Guid Id, string Url, DateTimeOffset CreatedAt, string CreatedBy, string Secret);

public sealed record WebhookListResponse(IReadOnlyList<WebhookResponse> Webhooks);

/// <summary>The new secret; until <c>previous_secret_expires_at</c> deliveries carry a signature with the old one too.</summary>
public sealed record WebhookSecretResponse(Guid Id, string Secret, DateTimeOffset? PreviousSecretExpiresAt);

public sealed record DeliveryResponse(
    Guid Id, Guid EventId, string Type, string Subject, string Status, int Attempts, DateTimeOffset CreatedAt,
    DateTimeOffset? LastAttemptAt, int? LastStatusCode, string? LastError, DateTimeOffset? NextAttemptAt, DateTimeOffset? DeliveredAt);

public sealed record DeliveryListResponse(IReadOnlyList<DeliveryResponse> Deliveries);
