using System.Text;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace FileApi.Storage;

// Server-side import: the blob service reads the bytes from the source URL itself (Put Block From URL), so they
// never pass through FileApi. Locally, Azurite copies only from itself (another container of the same account).
public sealed partial class BlobStorage
{
    /// <summary>Longest a Put Block From URL may take: the service copies the whole block before it answers.</summary>
    static readonly TimeSpan CopyNetworkTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The service's limits on a block blob: 50,000 blocks of at most 4000 MiB.</summary>
    public const int MaxBlocks = 50_000;
    public const long MaxBlockSize = 4000L * 1024 * 1024;

    /// <summary>
    /// Fills the blob with <paramref name="size"/> bytes of <paramref name="source"/>: blocks staged from the URL,
    /// <paramref name="concurrency"/> at a time, then one Put Block List. Blocks already staged with the right size by an
    /// earlier, interrupted try are kept, so a retry copies only what is missing.
    /// </summary>
    public async Task CopyFromUriAsync(string blobName, Uri source, long size, long blockSize, int concurrency, CancellationToken ct)
    {
        var blob = _copyService.GetBlobContainerClient(ContainerName).GetBlockBlobClient(Blob(blobName).Name);
        var blocks = new List<(string Id, long Offset, long Length)>();
        for (long offset = 0; offset < size; offset += blockSize)
            blocks.Add((ImportBlockId(offset), offset, Math.Min(blockSize, size - offset)));

        var staged = (await GetBlockListAsync(blobName, ct)).Uncommitted.ToDictionary(b => b.Id, b => b.Size);
        var missing = blocks.Where(b => staged.GetValueOrDefault(b.Id) != b.Length).ToList();
        await Parallel.ForEachAsync(missing, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct },
            async (block, token) => await Call(blob.Uri, () => blob.StageBlockFromUriAsync(source, block.Id,
                new StageBlockFromUriOptions { SourceRange = new HttpRange(block.Offset, block.Length) }, token)));
        await Call(blob.Uri, () => blob.CommitBlockListAsync(blocks.Select(b => b.Id), new CommitBlockListOptions(), ct));
    }

    /// <summary>Block ids of one blob must all have the same length: the offset as 32 digits, base64-encoded.</summary>
    static string ImportBlockId(long offset) => Convert.ToBase64String(Encoding.ASCII.GetBytes(offset.ToString("D32", System.Globalization.CultureInfo.InvariantCulture)));
}
