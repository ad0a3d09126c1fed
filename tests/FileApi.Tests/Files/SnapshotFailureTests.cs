using System.Net;
using System.Net.Http.Json;
using System.Text;
using FileApi.Data;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using FileApi.Tests.Storage;

namespace FileApi.Tests.Files;

/// <summary>Passes every request on to Azurite, except that Snapshot Blob answers 500 while <see cref="Refusing"/> is set.</summary>
public sealed class SnapshotRefusingHandler : RecordingHandler
{
    public volatile bool Refusing;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!Refusing || !request.RequestUri!.Query.Contains("comp=snapshot", StringComparison.Ordinal))
            return base.SendAsync(request, cancellationToken);
        Record(request);
        var refused = new HttpResponseMessage(HttpStatusCode.InternalServerError)
        {
            Content = new StringContent("""<?xml version="1.0" encoding="utf-8"?><Error><Code>InternalError</Code><Message>Refused by the test.</Message></Error>""",
                Encoding.UTF8, "application/xml"),
        };
        refused.Headers.Add("x-ms-error-code", "InternalError");
        return Task.FromResult(refused);
    }
}

public sealed class SnapshotRefusingStorageFactory : RecordedStorageFactory<SnapshotRefusingHandler>;

/// <summary>
/// The snapshot taken with the seal is what lets reads skip storage, so a completion that cannot take it does not make the
/// version ready: it answers 503 (the SDK's own retries spent), the version stays uploading, and the next try completes it.
/// </summary>
public sealed class SnapshotFailureTests(SnapshotRefusingStorageFactory factory) : IClassFixture<SnapshotRefusingStorageFactory>
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    [Fact]
    public async Task ACompletionWhoseSnapshotIsRefusedAnswers503AndTheVersionStaysUploadingUntilTheNextTryCompletesIt()
    {
        var upload = await factory.RegisterAndPutAsync(_api, "path/snapshot/refused.txt", [3, 1, 4, 1, 5]);
        var complete = $"{factory.FilesBase}/{upload.FileId}/versions/{upload.VersionId}/complete";
        var poll = $"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}";

        factory.Storage.Refusing = true;
        using var refused = await _api.PostAsync(complete, null);
        using var pollWhileRefused = await _api.GetAsync(poll);
        var whileRefused = await factory.VersionAsync(upload);
        factory.Storage.Refusing = false;
        using var retried = await _api.PostAsync(complete, null);

        await StrictJson.ReadProblemAsync(refused, HttpStatusCode.ServiceUnavailable, "urn:fileapi:problem:storage-unavailable");
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Contains(factory.Storage.Sent, r => r.Query.Contains("comp=snapshot"));
        Assert.Equal(VersionStatus.Uploading, whileRefused.Status);
        Assert.Null(whileRefused.BlobSnapshot);
        Assert.Equal(HttpStatusCode.Conflict, pollWhileRefused.StatusCode);

        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        var file = await retried.Content.ReadFromJsonAsync<FileResponse>(FileApiFactory.Json);
        var ready = await factory.VersionAsync(upload);
        Assert.Equal(VersionStatus.Ready, ready.Status);
        Assert.NotNull(ready.BlobSnapshot);
        Assert.Equal(ready.BlobSnapshot, System.Web.HttpUtility.ParseQueryString(file!.Download.Query)["snapshot"]);
        Assert.Equal([3, 1, 4, 1, 5], await (await TestData.GetAsync(file.Download)).Content.ReadAsByteArrayAsync());
    }
}
