using System.Text.Json;
using System.Text.Json.Serialization;

namespace FileApi.Client;

/// <summary>A webhook endpoint of a workspace and how its deliveries are going.</summary>
public sealed record Webhook(Guid Id, string Url, DateTimeOffset CreatedAt, string CreatedBy, WebhookDeliveryStatus Delivery);

/// <summary>The last attempt to the endpoint, the last success, deliveries still pending (and the next attempt) and those given up.</summary>
public sealed record WebhookDeliveryStatus(
    DateTimeOffset? LastAttemptAt, int? LastStatusCode, string? LastError, DateTimeOffset? LastSuccessAt, int Pending, DateTimeOffset? NextAttemptAt, int Failed);

/// <summary>A new endpoint and its signing secret ("whsec_..."), answered only at creation.</summary>
public sealed record CreatedWebhook(Guid Id, string Url, DateTimeOffset CreatedAt, string CreatedBy, string Secret);

public sealed record WebhookSecret(Guid Id, string Secret, DateTimeOffset? PreviousSecretExpiresAt);

/// <summary>One event for one endpoint: <c>pending</c>, <c>delivered</c> or <c>failed</c> (given up after the retry period).</summary>
public sealed record WebhookDelivery(
    Guid Id, Guid EventId, string Type, string Subject, string Status, int Attempts, DateTimeOffset CreatedAt,
    DateTimeOffset? LastAttemptAt, int? LastStatusCode, string? LastError, DateTimeOffset? NextAttemptAt, DateTimeOffset? DeliveredAt);

/// <summary>An import under way: the version that will hold the bytes.</summary>
public sealed record ImportStarted(Guid FileId, string VersionId, string State);

/// <summary>What an import declares; a copy that does not match fails, as an upload would.</summary>
public sealed class ImportOptions
{
    public long? Size { get; init; }
    public string? ContentMd5 { get; init; }
    public string? ContentSha256 { get; init; }
}

record CreateWebhookRequest(string Url);

record WebhookList(IReadOnlyList<Webhook> Webhooks);

record WebhookDeliveryList(IReadOnlyList<WebhookDelivery> Deliveries);

record ImportRequest(string Path, string SourceUrl, long? Size, string? ContentMd5, string? ContentSha256);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Webhook))]
[JsonSerializable(typeof(CreatedWebhook))]
[JsonSerializable(typeof(WebhookSecret))]
[JsonSerializable(typeof(WebhookList))]
[JsonSerializable(typeof(WebhookDeliveryList))]
[JsonSerializable(typeof(CreateWebhookRequest))]
[JsonSerializable(typeof(ImportStarted))]
[JsonSerializable(typeof(ImportRequest))]
partial class NotificationJsonContext : JsonSerializerContext;
