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
        Storage = new BlobStorage(Microsoft.Extensions.Options.Options.Create(Options), NullLogger<BlobStorage>.Instance);
    }

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
}
