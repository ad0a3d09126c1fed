using System.Net;
using System.Net.Sockets;
using Azure.Core.Pipeline;
using FileApi.Storage;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Storage;

/// <summary>
/// Azure's URL style (account in the host name) against Azurite, which reads the account from a dotted host
/// name. That name does not resolve here, so connections go to Azurite's loopback port whatever the host.
/// </summary>
public sealed class VirtualHostStyleTests : IDisposable
{
    private readonly HttpClient _client;
    private readonly BlobStorage _storage;

    public VirtualHostStyleTests()
    {
        var azurite = AzuriteServer.Instance;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(IPAddress.Loopback, azurite.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        _client = new HttpClient(handler);
        var options = azurite.For($"test-{Guid.NewGuid():N}");
        options.ServiceUri = new Uri($"http://{azurite.AccountName}.localhost:{azurite.Port}");
        _storage = StorageTestContainer.CreateStorage(options, new HttpClientTransport(_client));
    }

    [Fact]
    public async Task SharedKeyAndSasLinksWorkWithTheAccountInTheHostName()
    {
        var name = "folder/virtual host ✓.txt";
        var content = SasRequests.RandomBytes(77);

        await _storage.CreateContainerIfNotExistsAsync(CancellationToken.None);
        using var upload = await _client.PutBlobAsync(await _storage.CreateUploadUriAsync(name, StorageTestContainer.InAnHour, CancellationToken.None), content);
        var properties = await _storage.GetPropertiesAsync(name, CancellationToken.None);
        var listed = await _storage.ListBlobsAsync(null, CancellationToken.None).ToListAsync();
        using var download = await _client.GetBlobAsync(await _storage.CreateDownloadUriAsync(name, "v.txt", StorageTestContainer.InAnHour, null, CancellationToken.None));

        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        Assert.StartsWith($"http://{AzuriteServer.EmulatorAccountName}.localhost:", _storage.BlobUri(name).AbsoluteUri);
        Assert.Equal(77, properties?.ContentLength);
        Assert.Equal([name], listed.Select(b => b.Name));
        Assert.Equal(content, await download.Content.ReadAsByteArrayAsync());
    }

    public void Dispose() => _client.Dispose();
}
