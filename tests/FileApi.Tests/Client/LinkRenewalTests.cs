using System.Web;
using FileApi.Client;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Client;

/// <summary>
/// The API here hands out upload links that live 10 seconds: short enough to expire within a test, long enough that a renewed
/// link is still valid for the one block a slow machine sends with it.
/// </summary>
public sealed class ShortUploadLinkFactory : FileApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings => [new("Storage:UploadLinkLifetime", "00:00:10")];
}

/// <summary>Upload links that expire mid-transfer: renewed when storage refuses them, or before they expire.</summary>
public sealed class LinkRenewalTests(ShortUploadLinkFactory factory) : IClassFixture<ShortUploadLinkFactory>
{
    const int BlockSize = 64 * 1024;

    [Fact]
    public async Task AnUploadLinkThatExpiresMidTransferIsRenewedAndTheUploadCompletes()
    {
        var storage = new StorageSpy(factory);
        var waited = 0;
        storage.Before = async (request, cancellationToken) =>
        {
            // Hold the third block until its link has certainly expired, so storage refuses it.
            if (StorageSpy.IsPutBlock(request) && storage.AcceptedBlocks.Count == 2 && Interlocked.Exchange(ref waited, 1) == 0)
            {
                var expiry = DateTimeOffset.Parse(HttpUtility.ParseQueryString(request.RequestUri!.Query)["se"]!);
                await Task.Delay(expiry - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1.5), cancellationToken);
            }
            return null;
        };
        var files = factory.WorkspaceClientFor(storage, options =>
            (options.BlockSize, options.MaxConcurrency, options.RenewBeforeExpiry) = (BlockSize, 1, TimeSpan.Zero));
        await using var content = new DeterministicStream(5 * BlockSize + 7);
        var progress = new RecordingProgress<UploadProgress>(p => p.BytesTransferred);

        var file = await files.UploadAsync("renewal/expired.bin", content, new UploadOptions { Progress = progress });

        Assert.True(storage.ForbiddenAnswers >= 1, "Storage never refused the expired link.");
        Assert.Equal(6, storage.AcceptedBlocks.Count);
        ClientTestKit.AssertMonotonicAndComplete(progress.Reports, content.Length);
        await files.AssertDownloadsAsync(file, content);
    }

    [Fact]
    public async Task ALinkCloseToExpiryIsRenewedBeforeStorageRefusesIt()
    {
        var storage = new StorageSpy(factory);
        var files = factory.WorkspaceClientFor(storage, options =>
            (options.BlockSize, options.MaxConcurrency, options.RenewBeforeExpiry) = (BlockSize, 2, TimeSpan.FromMinutes(1)));
        await using var content = new DeterministicStream(4 * BlockSize);

        var file = await files.UploadAsync("renewal/ahead.bin", content);

        Assert.Equal(content.Length, file.Size);
        Assert.Equal(0, storage.ForbiddenAnswers);
    }
}
