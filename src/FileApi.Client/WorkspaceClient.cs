using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using FileApi.Client.Transfers;
using FileApi.Client.Transport;

namespace FileApi.Client;

/// <summary>
/// Files and roles of one workspace: register, upload, wait for readiness, read, list, download, delete, restore;
/// and who has which role. Get one from <see cref="FileApiClient.GetWorkspaceClient"/>. Thread-safe.
/// </summary>
public partial class WorkspaceClient
{
    /// <summary>What the server may wait per long-poll request (it allows up to 60 s).</summary>
    const int LongPollSeconds = 20;

    readonly ApiConnection _api = null!;
    readonly BlobTransport _blobs = null!;
    readonly FileApiClientOptions _options = null!;
    readonly string _workspace = null!;

    /// <summary>For mocking.</summary>
    protected WorkspaceClient() { }

    internal WorkspaceClient(ApiConnection api, BlobTransport blobs, FileApiClientOptions options, Guid organizationId, Guid workspaceId)
    {
        (_api, _blobs, _options) = (api, blobs, options);
        (OrganizationId, WorkspaceId) = (organizationId, workspaceId);
        _workspace = $"file/v2/orgs/{organizationId}/workspaces/{workspaceId}";
    }

    public virtual Guid OrganizationId { get; }

    public virtual Guid WorkspaceId { get; }

    string Files => _workspace + "/files";

    // ---- Workspace and roles

    /// <summary>The workspace, your role in it, its usage and its quota.</summary>
    public virtual Task<Workspace> GetWorkspaceAsync(CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Get, _workspace, FileApiJsonContext.Default.Workspace, null, idempotent: true, cancellationToken);

    /// <summary>
    /// Sets the workspace's byte quota, or clears it with null (organisation admins only: 403 otherwise). Registrations whose
    /// declared size does not fit answer 409 quota-exceeded; uploads whose bytes do not fit fail with reason quota-exceeded.
    /// </summary>
    public virtual Task<WorkspaceQuota> SetQuotaAsync(long? quotaBytes, CancellationToken cancellationToken = default)
    {
        if (quotaBytes is < 0)
            throw new ArgumentOutOfRangeException(nameof(quotaBytes), quotaBytes, "A quota is zero or more bytes, or null for no limit.");
        return _api.SendAsync(HttpMethod.Put, _workspace + "/quota", FileApiJsonContext.Default.WorkspaceQuota,
            ApiConnection.Json(new SetQuotaRequest(quotaBytes), FileApiJsonContext.Default.SetQuotaRequest), idempotent: true, cancellationToken);
    }

    /// <summary>Who has which role.</summary>
    public virtual async Task<IReadOnlyList<WorkspaceMember>> GetMembersAsync(CancellationToken cancellationToken = default) =>
        (await _api.SendAsync(HttpMethod.Get, _workspace + "/roles", FileApiJsonContext.Default.MemberList, null, idempotent: true, cancellationToken)).Members;

    /// <summary>Grants or changes a user's role (owners only). <paramref name="tenantId"/> defaults to yours.</summary>
    public virtual Task<WorkspaceMember> GrantRoleAsync(string userId, string role, string? tenantId = null, string? name = null, string? email = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ArgumentException.ThrowIfNullOrEmpty(role);
        return _api.SendAsync(HttpMethod.Put, $"{_workspace}/roles/{Uri.EscapeDataString(userId)}", FileApiJsonContext.Default.WorkspaceMember,
            ApiConnection.Json(new GrantRoleRequest(role, tenantId, name, email), FileApiJsonContext.Default.GrantRoleRequest), idempotent: true, cancellationToken);
    }

    /// <summary>Revokes a user's role (owners only). The last owner cannot be removed (409 last-owner).</summary>
    public virtual Task RevokeRoleAsync(string userId, string? tenantId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var url = $"{_workspace}/roles/{Uri.EscapeDataString(userId)}" + (tenantId is null ? "" : "?tenant_id=" + Uri.EscapeDataString(tenantId));
        return _api.SendAsync(HttpMethod.Delete, url, idempotent: true, cancellationToken);
    }

    // ---- Versions

    /// <summary>
    /// Registers a new version (creating the file when a path is new) and answers with a 30-minute upload link.
    /// Most callers want <see cref="UploadAsync(FileReference, string, UploadOptions?, CancellationToken)"/>, which does everything.
    /// </summary>
    public virtual Task<UploadLink> RegisterVersionAsync(FileReference file, RegisterVersionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var declared = options is { Size: not null } or { ContentSha256: not null } or { ContentMd5: not null } or { ContentType: not null } or { Metadata.Count: > 0 }
            ? ApiConnection.Json(new RegisterRequest(options.Size, options.ContentMd5, options.ContentSha256, options.ContentType,
                options.Metadata is { Count: > 0 } metadata ? new Dictionary<string, string>(metadata) : null), FileApiJsonContext.Default.RegisterRequest)
            : null;
        // Not retried on errors the server may have acted on: a retry would register a second version.
        return _api.SendAsync(HttpMethod.Put, $"{Files}/{file.UrlSegment}", FileApiJsonContext.Default.UploadLink, declared, idempotent: false, cancellationToken);
    }

    /// <summary>A fresh upload link for the same version and blob; blocks already uploaded are kept.</summary>
    public virtual Task<UploadLink> RenewUploadLinkAsync(Guid fileId, string versionId, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Put, $"{Files}/{fileId}?version_id={Uri.EscapeDataString(versionId)}", FileApiJsonContext.Default.UploadLink,
            null, idempotent: true, cancellationToken);

    /// <summary>
    /// Tells the API the blocks are committed and answers the ready file (409 version-not-committed before the commit).
    /// When the server verifies in the background (202 Accepted), this waits for the outcome by long-polling the version.
    /// </summary>
    public virtual async Task<FileDetails> CompleteUploadAsync(Guid fileId, string versionId, CancellationToken cancellationToken = default)
    {
        using var response = await _api.SendAsync(HttpMethod.Post, CompleteUrl(fileId, versionId), null, idempotent: true, cancellationToken);
        await ApiConnection.EnsureSuccessAsync(response, cancellationToken);
        return response.StatusCode == HttpStatusCode.Accepted
            ? await PollUntilReadyAsync(fileId, versionId, _options.TimeProvider.GetUtcNow() + _options.ReadinessTimeout, cancellationToken)
            : await ApiConnection.ReadAsync(response, FileApiJsonContext.Default.FileDetails, cancellationToken);
    }

    /// <summary>
    /// Gives up an unfinished upload for good: the version fails with reason <c>aborted</c> and its blocks are dropped.
    /// Aborting twice is fine; a version that is already ready cannot be aborted (409).
    /// </summary>
    public virtual Task AbortUploadAsync(Guid fileId, string versionId, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Delete, $"{Files}/{fileId}/versions/{Uri.EscapeDataString(versionId)}", idempotent: true, cancellationToken);

    /// <summary>
    /// Waits until a committed version is ready: through fast completion, and while the server verifies it (or where
    /// it does not offer completion) by long-polling the version (plain polling on servers without long-poll). Gives up after
    /// <see cref="FileApiClientOptions.ReadinessTimeout"/> with <see cref="FileApiProblemTypes.ReadinessTimeout"/>.
    /// A version that failed verification throws with <see cref="FileApiProblemTypes.VersionFailed"/>.
    /// </summary>
    public virtual async Task<FileDetails> WaitForReadyAsync(Guid fileId, string versionId, CancellationToken cancellationToken = default)
    {
        var deadline = _options.TimeProvider.GetUtcNow() + _options.ReadinessTimeout;
        for (var attempt = 1; ; attempt++)
        {
            using var response = await _api.SendAsync(HttpMethod.Post, CompleteUrl(fileId, versionId), null, idempotent: true, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Accepted)
                break; // Verifying in the background.
            if (response.IsSuccessStatusCode)
                return await ApiConnection.ReadAsync(response, FileApiJsonContext.Default.FileDetails, cancellationToken);
            var problem = await FileApiException.FromResponseAsync(response, null, cancellationToken);
            if (problem is { Status: 405 } or { Status: 404, Type: FileApiProblemTypes.RouteNotFound })
                break; // A server without fast completion: Event Grid will notice the commit.
            if (problem.Type == FileApiProblemTypes.VersionNotReady)
                break; // Another caller's verification is running: its outcome will show on the version.
            if (problem.Type != FileApiProblemTypes.VersionNotCommitted)
                throw problem;
            await PauseAsync(Backoff(attempt), deadline, cancellationToken);
        }
        return await PollUntilReadyAsync(fileId, versionId, deadline, cancellationToken);
    }

    /// <summary>Long-polls the version until it is ready (200) or failed (409 version-failed); version-not-ready means keep waiting.</summary>
    async Task<FileDetails> PollUntilReadyAsync(Guid fileId, string versionId, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            var wait = (int)Math.Clamp((deadline - _options.TimeProvider.GetUtcNow()).TotalSeconds, 0, LongPollSeconds);
            using var response = await _api.SendAsync(HttpMethod.Get, $"{Files}/{fileId}?version_id={Uri.EscapeDataString(versionId)}&wait={wait}",
                null, idempotent: true, cancellationToken);
            if (response.IsSuccessStatusCode)
                return await ApiConnection.ReadAsync(response, FileApiJsonContext.Default.FileDetails, cancellationToken);
            var problem = await FileApiException.FromResponseAsync(response, null, cancellationToken);
            if (problem.Type != FileApiProblemTypes.VersionNotReady)
                throw problem;
            await PauseAsync(problem.RetryAfter ?? TimeSpan.FromSeconds(1), deadline, cancellationToken);
        }
    }

    /// <summary>Exponential and jittered, like the retries, for the wait between completion attempts before the commit is seen.</summary>
    TimeSpan Backoff(int attempt)
    {
        var exponential = _options.Retry.Delay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30));
        return TimeSpan.FromMilliseconds(Math.Min(exponential * (0.5 + Random.Shared.NextDouble() / 2), _options.Retry.MaxDelay.TotalMilliseconds));
    }

    async Task PauseAsync(TimeSpan delay, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var clock = _options.TimeProvider;
        if (clock.GetUtcNow() >= deadline)
            throw new FileApiException(504, FileApiProblemTypes.ReadinessTimeout, "The version did not become ready in time.",
                $"The upload was committed, but the version was not ready after {_options.ReadinessTimeout}. It may still become ready: read it again later.");
        var left = deadline - clock.GetUtcNow();
        await Task.Delay(delay < left ? delay : left, clock, cancellationToken);
    }

    string CompleteUrl(Guid fileId, string versionId) => $"{Files}/{fileId}/versions/{Uri.EscapeDataString(versionId)}/complete";

    // ---- Reading

    /// <summary>The latest ready version of a file, or one version; optionally with its version history.</summary>
    public virtual Task<FileDetails> GetFileAsync(FileReference file, GetFileOptions? options = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (options?.VersionId is { } versionId)
            query.Add("version_id=" + Uri.EscapeDataString(versionId));
        if (options?.IncludeVersions == true)
            query.Add("include_versions=true");
        if (options?.Wait is { } wait)
            query.Add("wait=" + ((int)Math.Clamp(wait.TotalSeconds, 0, 60)).ToString(CultureInfo.InvariantCulture));
        if (options?.Deleted == true)
            query.Add("deleted=true");
        var url = $"{Files}/{file.UrlSegment}" + (query.Count == 0 ? "" : "?" + string.Join('&', query));
        return _api.SendAsync(HttpMethod.Get, url, FileApiJsonContext.Default.FileDetails, null, idempotent: true, cancellationToken);
    }

    /// <summary>One page of files. Follow <see cref="FileList.Links"/> with <see cref="GetNextPageAsync"/>, or enumerate everything with <see cref="GetFilesAsync"/>.</summary>
    public virtual Task<FileList> ListFilesAsync(ListFilesOptions? options = null, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Get, Files + (options?.ToQuery() ?? ""), FileApiJsonContext.Default.FileList, null, idempotent: true, cancellationToken);

    /// <summary>
    /// One page of the folder view of <paramref name="folder"/> (<c>/docs/</c>; <c>/</c> is the root): its subfolders in
    /// <see cref="FileList.Folders"/>, then its own files. <see cref="GetNextPageAsync"/> pages on.
    /// </summary>
    public virtual Task<FileList> ListFolderAsync(string folder = "/", int? limit = null, CancellationToken cancellationToken = default) =>
        ListFilesAsync(new ListFilesOptions { Folder = folder, Delimiter = "/", Limit = limit }, cancellationToken);

    /// <summary>The page after <paramref name="page"/>, or null on the last page.</summary>
    public virtual async Task<FileList?> GetNextPageAsync(FileList page, CancellationToken cancellationToken = default) =>
        page.Links?.Next is { Length: > 0 } next
            ? await _api.SendAsync(HttpMethod.Get, next, FileApiJsonContext.Default.FileList, null, idempotent: true, cancellationToken)
            : null;

    /// <summary>Every file that matches, page after page (following <c>links.next</c>).</summary>
    public virtual async IAsyncEnumerable<FileDetails> GetFilesAsync(ListFilesOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var page = await ListFilesAsync(options, cancellationToken); page is not null; page = await GetNextPageAsync(page, cancellationToken))
        {
            foreach (var file in page.Files)
                yield return file;
        }
    }

    // ---- Delete and restore

    /// <summary>Soft-deletes a file (editors). An owner can restore it.</summary>
    public virtual Task DeleteFileAsync(FileReference file, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Delete, $"{Files}/{file.UrlSegment}", idempotent: true, cancellationToken);

    /// <summary>Restores a deleted file (owners): in place, or under a new name when its path was taken meanwhile.</summary>
    public virtual async Task<RestoreResult> RestoreFileAsync(Guid fileId, CancellationToken cancellationToken = default)
    {
        using var response = await _api.SendAsync(HttpMethod.Put, $"{Files}/{fileId}?deleted=false", null, idempotent: true, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NoContent)
            return new RestoreResult(false, null);
        // 303 with the moved file's body; an HttpClient that follows redirects shows the GET of its Location instead.
        var moved = response.StatusCode == HttpStatusCode.SeeOther || (response.IsSuccessStatusCode && response.RequestMessage?.Method == HttpMethod.Get);
        if (!moved)
            await ApiConnection.EnsureSuccessAsync(response, cancellationToken);
        return new RestoreResult(moved, await ApiConnection.ReadAsync(response, FileApiJsonContext.Default.FileDetails, cancellationToken));
    }

    // ---- Upload

    /// <summary>
    /// Uploads a local file as a new version of <paramref name="destination"/> and waits until it is ready. Blocks go
    /// in parallel straight to storage; memory stays at BlockSize x MaxConcurrency. With
    /// <see cref="UploadOptions.ResumeFrom"/>, only the blocks storage does not hold yet are sent.
    /// </summary>
    public virtual async Task<FileDetails> UploadAsync(FileReference destination, string localPath, UploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var source = BlockSource.ForFile(localPath);
        return await UploadAsync(destination, source, options ?? new(), cancellationToken);
    }

    /// <summary>Uploads a seekable stream, from its current position to its end (the position is left as it was); see <see cref="UploadAsync(FileReference, string, UploadOptions?, CancellationToken)"/>.</summary>
    public virtual async Task<FileDetails> UploadAsync(FileReference destination, Stream content, UploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var source = BlockSource.ForStream(content);
        return await UploadAsync(destination, source, options ?? new(), cancellationToken);
    }

    async Task<FileDetails> UploadAsync(FileReference destination, BlockSource source, UploadOptions options, CancellationToken cancellationToken)
    {
        UploadLink link;
        if (options.ResumeFrom is { } state)
        {
            try
            {
                link = await RenewUploadLinkAsync(state.FileId, state.VersionId, cancellationToken);
            }
            catch (FileApiException exception) when (exception.Type == FileApiProblemTypes.VersionNotUploading)
            {
                // It finished while we were away (the crash came after the commit): ready, or failed with the reason.
                return await GetFileAsync(state.FileId, new GetFileOptions { VersionId = state.VersionId }, cancellationToken);
            }
        }
        else
        {
            var sha256 = options.DeclareSha256 ? await BlockUpload.Sha256Async(source, _options, cancellationToken) : null;
            link = await RegisterVersionAsync(destination, new RegisterVersionOptions
            {
                Size = source.Length, ContentSha256 = sha256, ContentType = options.ContentType, Metadata = options.Metadata,
            }, cancellationToken);
        }

        if (options.Started is { } started)
            await started(link.State, cancellationToken);

        var renewable = new RenewableLink(link.Upload, link.UploadExpiresAt, async token =>
        {
            var fresh = await RenewUploadLinkAsync(link.FileId, link.VersionId, token);
            return (fresh.Upload, fresh.UploadExpiresAt);
        }, _options.RenewBeforeExpiry, _options.TimeProvider);
        await new BlockUpload(_blobs, _options, options).RunAsync(source, renewable, cancellationToken);
        return await WaitForReadyAsync(link.FileId, link.VersionId, cancellationToken);
    }

    // ---- Download

    /// <summary>
    /// Downloads a file (its latest ready version, or <see cref="DownloadOptions.VersionId"/>) to a local path. Bytes go
    /// to <c>{path}.{version_id}.part</c> first; an interrupted download resumes from it, and it becomes <paramref name="localPath"/> when complete.
    /// </summary>
    public virtual async Task<FileDetails> DownloadToAsync(FileReference file, string localPath, DownloadOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new();
        var details = await GetFileAsync(file, new GetFileOptions { VersionId = options.VersionId }, cancellationToken);
        var partial = PartialPath(localPath, details.VersionId);
        await using (var stream = new FileStream(partial, options.Resume ? FileMode.OpenOrCreate : FileMode.Create, FileAccess.Write, FileShare.None,
            bufferSize: 0, FileOptions.Asynchronous))
        {
            if (stream.Length > details.Size)
                stream.SetLength(0);
            stream.Position = stream.Length;
            await CopyAsync(details, stream, stream.Length, options.Progress, cancellationToken);
        }
        File.Move(partial, localPath, overwrite: true);
        return details;
    }

    /// <summary>Downloads a file to a stream, written from its current position.</summary>
    public virtual async Task<FileDetails> DownloadToAsync(FileReference file, Stream destination, DownloadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var details = await GetFileAsync(file, new GetFileOptions { VersionId = options?.VersionId }, cancellationToken);
        await CopyAsync(details, destination, 0, options?.Progress, cancellationToken);
        return details;
    }

    /// <summary>Where <see cref="DownloadToAsync(FileReference, string, DownloadOptions?, CancellationToken)"/> keeps the bytes of a version until it has them all.</summary>
    public static string PartialPath(string localPath, string versionId) => $"{localPath}.{versionId}.part";

    Task CopyAsync(FileDetails details, Stream destination, long offset, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var download = details.Download ?? throw new FileApiException(200, null, "The answer has no download link.", $"File {details.FileId} version {details.VersionId}.");
        var link = new RenewableLink(download, DateTimeOffset.MaxValue, async token =>
        {
            var fresh = await GetFileAsync(details.FileId, new GetFileOptions { VersionId = details.VersionId }, token);
            return (fresh.Download ?? download, DateTimeOffset.MaxValue);
        }, TimeSpan.Zero, _options.TimeProvider);
        return new Download(_blobs, _options).CopyAsync(details, link, destination, offset, progress, cancellationToken);
    }
}
