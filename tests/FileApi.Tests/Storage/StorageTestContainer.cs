using Azure.Core.Pipeline;
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
    }

    public static DateTimeOffset InAnHour => DateTimeOffset.UtcNow.AddHours(1);

    public StorageOptions Options { get; }

    public BlobStorage Storage { get; }

    /// <summary>Plays the client that receives SAS links: no account key, just the URL.</summary>
    public HttpClient Client { get; } = new();

    public Task InitializeAsync() => Storage.CreateContainerIfNotExistsAsync(CancellationToken.None);

    public Task DisposeAsync()
    {
        Client.Dispose();
        return Task.CompletedTask;
    }

    public static string UniqueBlobName(string suffix = "") => $"{Guid.NewGuid():N}{suffix}";

    public static BlobStorage CreateStorage(StorageOptions options, HttpPipelineTransport? transport = null) =>
        new(Microsoft.Extensions.Options.Options.Create(options), NullLogger<BlobStorage>.Instance, transport);
}
