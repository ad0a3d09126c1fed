using System.Net;
using System.Net.Http.Json;
using FileApi.Data;
using FileApi.Files;
using FileApi.Storage;
using FileApi.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Tests.Files;

public class UploadRightsFactory : FileApiFactory
{
    public const string Me = "uploader";
    public const string OtherEditor = "other-editor";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await GrantAsync(Me, WorkspaceRole.Editor);
        await GrantAsync(OtherEditor, WorkspaceRole.Editor);
    }
}

public class UploadRightsAndAbortTests(UploadRightsFactory factory) : IClassFixture<UploadRightsFactory>
{
    readonly HttpClient _me = factory.CreateClientFor(UploadRightsFactory.Me);
    readonly HttpClient _otherEditor = factory.CreateClientFor(UploadRightsFactory.OtherEditor);
    readonly HttpClient _owner = factory.CreateClientFor(FileApiFactory.Owner);

    [Fact]
    public async Task AnotherEditorCannotRenewCompleteOrAbortMyUpload()
    {
        var upload = await _me.RegisterAsync($"{factory.FilesBase}/path/rights/mine.txt");
        using var put = await TestData.PutBlobAsync(upload.Upload, [1, 2]);

        using var renew = await _otherEditor.PutAsync(RenewUrl(upload), null);
        using var complete = await _otherEditor.PostAsync(CompleteUrl(upload), null);
        using var abort = await _otherEditor.DeleteAsync(VersionUrl(upload));

        foreach (var refused in new[] { renew, complete, abort })
        {
            var problem = await StrictJson.ReadProblemAsync(refused, HttpStatusCode.Forbidden, "urn:fileapi:problem:forbidden");
            Assert.Equal("editor", problem.GetProperty("your_role").GetString());
            Assert.Equal(["owner"], problem.GetProperty("permitted_roles").EnumerateArray().Select(r => r.GetString()));
        }
        var version = await factory.VersionAsync(upload);
        Assert.Equal(VersionStatus.Uploading, version.Status);
        Assert.Equal(upload.UploadExpiresAt, version.UploadExpiresAt, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task TheUploaderAndAnOwnerMayRenewCompleteAndAbort()
    {
        var mine = await _me.RegisterAsync($"{factory.FilesBase}/path/rights/renewed.txt");
        using var renewedByMe = await _me.PutAsync(RenewUrl(mine), null);
        using var renewedByOwner = await _owner.PutAsync(RenewUrl(mine), null);
        using var put = await TestData.PutBlobAsync(mine.Upload, [3]);
        using var completedByOwner = await _owner.PostAsync(CompleteUrl(mine), null);

        var another = await _me.RegisterAsync($"{factory.FilesBase}/path/rights/aborted-by-owner.txt");
        using var abortedByOwner = await _owner.DeleteAsync(VersionUrl(another));

        Assert.Equal(HttpStatusCode.OK, renewedByMe.StatusCode);
        Assert.Equal(HttpStatusCode.OK, renewedByOwner.StatusCode);
        Assert.Equal(mine.VersionId, (await renewedByOwner.Content.ReadFromJsonAsync<UploadResponse>(FileApiFactory.Json))!.VersionId);
        Assert.Equal(HttpStatusCode.OK, completedByOwner.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, abortedByOwner.StatusCode);
        Assert.Equal(VersionStatus.Ready, (await factory.VersionAsync(mine)).Status);
        Assert.Equal(FailureCodes.Aborted, (await factory.VersionAsync(another)).FailureCode);
    }

    [Fact]
    public async Task AbortDropsTheBlocksFailsTheVersionAndIsIdempotent()
    {
        var upload = await _me.RegisterAsync($"{factory.FilesBase}/path/abort/given-up.bin");
        var blobName = TestData.BlobNameOf(factory, upload);
        using (var block = await TestData.PutBlockAsync(upload.Upload, TestData.BlockId(0), [1, 2, 3]))
            Assert.Equal(HttpStatusCode.Created, block.StatusCode);
        Assert.NotEmpty((await Storage.GetBlockListAsync(blobName, CancellationToken.None)).Uncommitted);

        using var first = await _me.DeleteAsync(VersionUrl(upload));
        using var second = await _me.DeleteAsync(VersionUrl(upload));
        using var poll = await _me.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}");
        using var renew = await _me.PutAsync(RenewUrl(upload), null);

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Empty(await first.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NoContent, second.StatusCode);
        var blocks = await Storage.GetBlockListAsync(blobName, CancellationToken.None);
        Assert.Empty(blocks.Uncommitted);
        Assert.Empty(blocks.Committed);
        Assert.Null(await Storage.GetPropertiesAsync(blobName, CancellationToken.None));
        var version = await factory.VersionAsync(upload);
        Assert.Equal(VersionStatus.Failed, version.Status);
        Assert.Equal(FailureCodes.Aborted, version.FailureCode);
        var problem = await StrictJson.ReadProblemAsync(poll, HttpStatusCode.Conflict, "urn:fileapi:problem:version-failed");
        Assert.Equal("aborted", problem.GetProperty("reason").GetString());
        Assert.Equal("failed", problem.GetProperty("version_status").GetString());
        Assert.Contains("aborted", problem.GetProperty("detail").GetString());
        await StrictJson.ReadProblemAsync(renew, HttpStatusCode.BadRequest, "urn:fileapi:problem:version-not-uploading");
    }

    [Fact]
    public async Task AbortingAReadyVersionIs409AndKeepsIt()
    {
        var upload = await factory.UploadReadyAsync(_me, "path/abort/history.txt", [7]);

        using var abort = await _me.DeleteAsync(VersionUrl(upload));
        using var missing = await _me.DeleteAsync($"{factory.FilesBase}/{upload.FileId}/versions/1");

        await StrictJson.ReadProblemAsync(abort, HttpStatusCode.Conflict, "urn:fileapi:problem:version-not-uploading");
        await StrictJson.ReadProblemAsync(missing, HttpStatusCode.NotFound, "urn:fileapi:problem:version-not-found");
        Assert.Equal(VersionStatus.Ready, (await factory.VersionAsync(upload)).Status);
    }

    [Fact]
    public async Task ANotReadyVersionsProblemHasNoDuplicateMembers()
    {
        var upload = await _me.RegisterAsync($"{factory.FilesBase}/path/abort/pending.txt");

        using var poll = await _me.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}");

        var problem = await StrictJson.ReadProblemAsync(poll, HttpStatusCode.Conflict, "urn:fileapi:problem:version-not-ready");
        Assert.Equal("uploading", problem.GetProperty("version_status").GetString());
    }

    [Fact]
    public async Task CompletingAnUploadOfADeletedFileIs410()
    {
        var ready = await factory.UploadReadyAsync(_me, "path/abort/deleted.txt", [1]);
        var pending = await _me.RegisterAsync($"{factory.FilesBase}/{ready.FileId}");
        using var put = await TestData.PutBlobAsync(pending.Upload, [2]);
        using var deleted = await _me.DeleteAsync($"{factory.FilesBase}/{ready.FileId}");

        using var complete = await _me.PostAsync(CompleteUrl(pending), null);

        await StrictJson.ReadProblemAsync(complete, HttpStatusCode.Gone, "urn:fileapi:problem:file-deleted");
        Assert.Equal(VersionStatus.Uploading, (await factory.VersionAsync(pending)).Status);
    }

    [Fact]
    public async Task ARegisteredVersionIsCreatedAtTheTimeItsIdSays()
    {
        var byPath = await _me.RegisterAsync($"{factory.FilesBase}/path/rights/created.txt");
        var byId = await _me.RegisterAsync($"{factory.FilesBase}/{byPath.FileId}");

        foreach (var upload in new[] { byPath, byId })
            Assert.Equal(VersionIds.CreatedAt(long.Parse(upload.VersionId)), (await factory.VersionAsync(upload)).CreatedAt);
        Assert.True(long.Parse(byId.VersionId) > long.Parse(byPath.VersionId));
    }

    string RenewUrl(UploadResponse upload) => $"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}";

    string CompleteUrl(UploadResponse upload) => $"{factory.FilesBase}/{upload.FileId}/versions/{upload.VersionId}/complete";

    string VersionUrl(UploadResponse upload) => $"{factory.FilesBase}/{upload.FileId}/versions/{upload.VersionId}";

    BlobStorage Storage => factory.Services.GetRequiredService<BlobStorage>();
}
