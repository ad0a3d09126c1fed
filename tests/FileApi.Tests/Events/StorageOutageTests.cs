using System.Net;
using FileApi.Data;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Events;

/// <summary>The API with a blob endpoint where nothing listens: registration still works, completion cannot.</summary>
public sealed class UnreachableStorageFactory : FileApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
        [new("Storage:ServiceUri", $"http://127.0.0.1:9/{AzuriteServer.EmulatorAccountName}")];
}

public sealed class StorageOutageTests(UnreachableStorageFactory factory) : IClassFixture<UnreachableStorageFactory>
{
    [Fact]
    public async Task AnEventWhileStorageIsDownIs503SoEventGridRetriesAndNothingChanges()
    {
        var upload = await factory.CreateClientFor(FileApiFactory.Owner).RegisterAsync($"{factory.FilesBase}/path/outage/o.txt");

        using var response = await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload)));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter);
        var body = await response.Content.ReadAsStringAsync();
        using var problem = System.Text.Json.JsonDocument.Parse(body, new System.Text.Json.JsonDocumentOptions { AllowDuplicateProperties = false });
        Assert.Equal("urn:fileapi:problem:storage-unavailable", problem.RootElement.GetProperty("type").GetString());
        Assert.DoesNotContain("StorageRequestException", body);
        Assert.Equal(VersionStatus.Uploading, (await factory.VersionAsync(upload)).Status);
    }
}
