namespace FileApi.Data;

public sealed class Organization
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class Workspace
{
    public Guid Id { get; set; }
    public Guid OrganizationId { get; set; }
    public required string Name { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// The most bytes its ready versions may take (<see cref="WorkspaceUsage.Bytes"/>), set by organisation admins; null for no limit.
    /// Enforced by <see cref="Files.VersionLifecycle"/> when a version becomes ready, and for a declared size at registration.
    /// </summary>
    public long? QuotaBytes { get; set; }
}

/// <summary>
/// What a workspace holds: its live files that have a ready version, and the bytes of their ready versions. Kept exact
/// by <see cref="Files.VersionLifecycle"/> in the statements that change readiness or deletion, so that the listing's
/// total and the workspace's usage cost one row read rather than a count.
/// </summary>
public sealed class WorkspaceUsage
{
    public Guid WorkspaceId { get; set; }
    public long Files { get; set; }
    public long Bytes { get; set; }
}

/// <summary>A file is a stable identity at a path; its content lives in versions.</summary>
public sealed class StoredFile
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }

    /// <summary>Containing folder in normal form, with leading and trailing slash: "/a/b/".</summary>
    public required string Folder { get; set; }
    public required string Name { get; set; }

    /// <summary>Case-folded full path; lookups and uniqueness go through it (case-insensitive, case-preserving).</summary>
    public required string PathKey { get; set; }

    /// <summary>
    /// <see cref="PathKey"/> up to its last '/' ("a/b/" for "a/b/c.txt", "" at the root), computed by the database, so the
    /// folder view seeks the files directly in a folder, and skips from one subfolder to the next, on one index.
    /// </summary>
    public string FolderKey { get; private set; } = "";

    /// <summary>The newest version id handed out, ready or not; new ids are always above it.</summary>
    public long LatestVersionId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedById { get; set; }
    public string? CreatedByName { get; set; }
    public string? CreatedByEmail { get; set; }

    public DateTimeOffset? DeletedAt { get; set; }
    public string? DeletedById { get; set; }
    public string? DeletedByName { get; set; }
    public string? DeletedByEmail { get; set; }

    // The latest ready version, copied here when a version becomes ready, so that listing, filtering and
    // sorting a workspace of millions of files reads one table through its indexes.
    public long? CurrentVersionId { get; set; }
    public long? CurrentSize { get; set; }
    public DateTimeOffset? ModifiedAt { get; set; }
}

public enum VersionStatus
{
    Uploading,
    Ready,
    Failed,
}

public sealed class FileVersion
{
    public Guid FileId { get; set; }
    public long VersionId { get; set; }
    public VersionStatus Status { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedById { get; set; }
    public string? CreatedByName { get; set; }
    public string? CreatedByEmail { get; set; }

    /// <summary>When the upload link handed out for this version stops working.</summary>
    public DateTimeOffset UploadExpiresAt { get; set; }

    public long? Size { get; set; }
    public string? ETag { get; set; }
    public DateTimeOffset? ReadyAt { get; set; }
    /// <summary>Why the version failed, in words for people; <see cref="FailureCode"/> is the stable code.</summary>
    public string? FailureReason { get; set; }

    /// <summary>Stable reason code of a failure (see <c>Files.FailureCodes</c>), e.g. "aborted", "expired".</summary>
    public string? FailureCode { get; set; }

    /// <summary>What the uploader declared at registration; a committed blob must match it.</summary>
    public long? DeclaredSize { get; set; }
    public string? DeclaredMd5 { get; set; }
    public string? DeclaredSha256 { get; set; }

    /// <summary>The media type the uploader declared; downloads are served with it (application/octet-stream when null).</summary>
    public string? ContentType { get; set; }

    /// <summary>The uploader's string keys and values (see <c>Files.VersionMetadata</c> for the limits); null when none were given.</summary>
    public Dictionary<string, string>? Metadata { get; set; }

    /// <summary>What was checked before the version became ready, e.g. "size,sha256".</summary>
    public string? Verified { get; set; }

    /// <summary>The blob service's version of the blob at readiness (Azure blob versioning); downloads are pinned to it.</summary>
    public string? BlobVersionId { get; set; }

    /// <summary>
    /// The read-only snapshot of the blob taken when it was sealed, on a blob service without versioning (Azurite); downloads
    /// are pinned to it, so no upload link, even one that breaks the seal, can change what they serve.
    /// </summary>
    public string? BlobSnapshot { get; set; }

    /// <summary>
    /// The id of the infinite lease that seals the version's blob (<c>BlobStorage.SealAsync</c>). Chosen once, at registration
    /// (before the first seal for a version registered earlier), so a retry re-acquires the same lease; random, so no holder
    /// of an upload link can guess it. A ready version with one is sealed (readiness follows the seal); null on a version
    /// made ready before sealing existed.
    /// </summary>
    public Guid? SealLeaseId { get; set; }

    // A verification claim: which instance hashes the blob, the token only that run knows, and when the claim was
    // taken or last renewed (its heartbeat). Only the holder of the token may finish or release it.
    public string? VerificationOwner { get; set; }
    public Guid? VerificationToken { get; set; }
    public DateTimeOffset? VerificationClaimedAt { get; set; }

    /// <summary>When the reconciler last looked for this upload's blob.</summary>
    public DateTimeOffset? LastCheckedAt { get; set; }

    /// <summary>
    /// When a storage event first said this uploading version's blob is committed. Recorded before the event is answered, so
    /// what a delivery said outlives the process that answered it: the reconciler completes versions still uploading with it.
    /// </summary>
    public DateTimeOffset? BlobReportedAt { get; set; }
}

/// <summary>Workspace roles, each including the ones below it.</summary>
public enum WorkspaceRole
{
    Viewer = 1,
    Editor = 2,
    Owner = 3,
}

/// <summary>A user's role in a workspace. Users are Entra identities: object id within a tenant.</summary>
public sealed class WorkspaceMember
{
    public Guid WorkspaceId { get; set; }
    public required string TenantId { get; set; }
    public required string UserId { get; set; }
    public WorkspaceRole Role { get; set; }
    public string? Name { get; set; }
    public string? Email { get; set; }
    public DateTimeOffset GrantedAt { get; set; }
    public required string GrantedById { get; set; }
}

/// <summary>Someone who may create workspaces in an organisation (its creator, to begin with).</summary>
public sealed class OrganizationAdmin
{
    public Guid OrganizationId { get; set; }
    public required string TenantId { get; set; }
    public required string UserId { get; set; }
    public DateTimeOffset GrantedAt { get; set; }
}

/// <summary>A URL a workspace owner registered to receive signed CloudEvents about its files.</summary>
public sealed class WebhookEndpoint
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public required string Url { get; set; }

    /// <summary>The Standard Webhooks signing secret, "whsec_" + base64; deliveries are signed with it when sent.</summary>
    public required string Secret { get; set; }

    /// <summary>The secret before the last rotation: deliveries carry both signatures until it expires.</summary>
    public string? PreviousSecret { get; set; }
    public DateTimeOffset? PreviousSecretExpiresAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedById { get; set; }

    // The last delivery attempt to this endpoint, whatever the event, so owners see whether it works.
    public DateTimeOffset? LastAttemptAt { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? LastSuccessAt { get; set; }
}

public enum DeliveryStatus
{
    Pending,
    Delivered,
    Failed,
}

/// <summary>
/// The outbox: one event for one endpoint, written in the transaction of the change it reports, sent at least
/// once by whichever instance claims it, retried with backoff until it is delivered or its retry period ends.
/// </summary>
public sealed class WebhookDelivery
{
    /// <summary>Also the <c>webhook-id</c> header: the same for every attempt, so receivers can drop duplicates.</summary>
    public Guid Id { get; set; }
    public Guid EndpointId { get; set; }

    /// <summary>The CloudEvent's id, shared by the deliveries of one event to several endpoints.</summary>
    public Guid EventId { get; set; }
    public required string EventType { get; set; }
    public required string Subject { get; set; }

    /// <summary>The CloudEvent in structured JSON mode, exactly the bytes that are signed and sent.</summary>
    public required string Payload { get; set; }

    public DeliveryStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? LastAttemptAt { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }

    // A delivery claim, as for verification: who sends it, the token only that run knows, and since when.
    public string? ClaimOwner { get; set; }
    public Guid? ClaimToken { get; set; }
    public DateTimeOffset? ClaimedAt { get; set; }
}

/// <summary>
/// A server-side import waiting for (or in) its copy: the version it fills, and where the bytes come from.
/// The row goes when the blocks are committed or the import fails; the version's state tells the outcome.
/// </summary>
public sealed class FileImport
{
    public Guid FileId { get; set; }
    public long VersionId { get; set; }
    public Guid OrganizationId { get; set; }
    public Guid WorkspaceId { get; set; }

    /// <summary>May carry a SAS or presigned signature, so it is never logged or answered.</summary>
    public required string SourceUrl { get; set; }
    public long? Size { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public string? LastError { get; set; }

    public string? ClaimOwner { get; set; }
    public Guid? ClaimToken { get; set; }
    public DateTimeOffset? ClaimedAt { get; set; }
}
