using System.Globalization;
using FileApi.Data;
using FileApi.Storage;
using FileApi.Workspaces;
using Microsoft.Extensions.Options;

namespace FileApi.Files;

/// <summary>Builds the links the API hands out: its own <c>self</c> links and signed blob links.</summary>
public sealed class FileLinks(BlobStorage storage, IOptions<StorageOptions> options, TimeProvider clock)
{
    public Uri Self(HttpRequest request, WorkspaceScope scope, Guid fileId, long versionId) =>
        new(string.Create(CultureInfo.InvariantCulture,
            $"{request.Scheme}://{request.Host}{request.PathBase}/file/v2/orgs/{scope.OrganizationId}/workspaces/{scope.WorkspaceId}/files/{fileId}?version_id={versionId}"));

    /// <summary>When an upload link handed out now stops working; the version's row records it before the link exists.</summary>
    public DateTimeOffset UploadExpiry() => clock.GetUtcNow() + options.Value.UploadLinkLifetime;

    public Task<Uri> UploadAsync(WorkspaceScope scope, Guid fileId, long versionId, DateTimeOffset expiresAt, CancellationToken ct) =>
        storage.CreateUploadUriAsync(BlobNames.For(scope.OrganizationId, scope.WorkspaceId, fileId, versionId), expiresAt, ct);

    public Task<Uri> DownloadAsync(WorkspaceScope scope, StoredFile file, FileVersion version, CancellationToken ct) =>
        storage.CreateDownloadUriAsync(
            BlobNames.For(scope.OrganizationId, scope.WorkspaceId, file.Id, version.VersionId),
            file.Name,
            VersionMetadata.ServedContentType(version.ContentType),
            clock.GetUtcNow() + options.Value.DownloadLinkLifetime,
            version.BlobVersionId,
            version.BlobSnapshot,
            ct);
}
