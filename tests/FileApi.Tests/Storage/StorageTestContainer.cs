using Azure.Core.Pipeline;
using Azure.Storage;
using Azure.Storage.Blobs;
using FileApi.Storage;
using FileApi.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace FileApi.Tests.Storage;

/// <summary>A blob container of its own for one test class, in the shared Azurite.</summary>
public sealed class StorageTestContainer : IAsyncLifetime
{
    public StorageTestContainer()
    {
        Options = AzuriteServer.Instance.For($"test-{Guid.NewGuid():N}");
        Storage = CreateStorage(Options);
        Service = new BlobServiceClient(Options.ServiceUri, new StorageSharedKeyCredential(Options.AccountName, Options.AccountKey),
            new BlobClientOptions(BlobStorage.ServiceVersion));
    }

    public static DateTimeOffset InAnHour => DateTimeOffset.UtcNow.AddHours(1);

    public StorageOptions Options { get; }

    public BlobStorage Storage { get; }

    /// <summary>The account through the SDK with the account key: arranges and checks what <see cref="Storage"/> does.</summary>
    public BlobServiceClient Service { get; }

    public BlobContainerClient Blobs => Service.GetBlobContainerClient(Options.Container);

    /// <summary>Plays the client that receives SAS links: no account key, just the URL.</summary>
    public HttpClient Client { get; } = new();

    public Task InitializeAsync() => Storage.CreateContainerIfNotExistsAsync(CancellationToken.None);

    public Task DisposeAsync()
    {
        Client.Dispose();
        return Task.CompletedTask;
    }

    public static string UniqueBlobName(string suffix = "") => $"{Guid.NewGuid():N}{suffix}";

    public static BlobStorage CreateStorage(StorageOptions options, HttpPipelineTransport? transport = null, TimeProvider? time = null) =>
        new(Microsoft.Extensions.Options.Options.Create(options), NullLogger<BlobStorage>.Instance, transport, time: time);
}
