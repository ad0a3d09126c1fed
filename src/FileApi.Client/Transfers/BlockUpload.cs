using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs.Models;
using FileApi.Client.Transport;

namespace FileApi.Client.Transfers;

/// <summary>
/// One upload of content to a version's blob: blocks in parallel, with retries, link
/// renewal and resume; then the block list. A file's blocks are read as they are sent, so its upload holds no block in
/// memory; a stream's are read into pooled buffers first, BlockSize x MaxConcurrency at most, whatever the content's size.
/// </summary>
sealed class BlockUpload(BlobTransport blobs, FileApiClientOptions options, UploadOptions upload)
{
    /// <summary>Azure's limit of blocks per blob; larger content gets larger blocks.</summary>
    const int MaxBlocks = 50_000;

    public sealed record Block(long Offset, int Length)
    {
        public string Id { get; } = BlobTransport.BlockId(Offset);
    }

    /// <summary>
    /// The block layout. When resuming, the size of the block already stored at offset 0 is kept, so blocks of an
    /// upload started with another block size (or by the Evo SDK, with 4 MiB) still line up.
    /// </summary>
    public static IReadOnlyList<Block> Layout(long length, int blockSize, IReadOnlyDictionary<string, long> existing)
    {
        if (existing.TryGetValue(BlobTransport.BlockId(0), out var first) && first is > 0 and <= FileApiClientOptions.MaxBlockSize && first < length)
            blockSize = (int)first;
        var needed = (length + blockSize - 1) / blockSize;
        if (needed > MaxBlocks)
            blockSize = checked((int)((length + MaxBlocks - 1) / MaxBlocks));

        var blocks = new List<Block>();
        for (long offset = 0; offset < length; offset += blockSize)
            blocks.Add(new Block(offset, (int)Math.Min(blockSize, length - offset)));
        return blocks;
    }

    /// <summary>Sends the blocks storage does not hold yet, then commits all of them in order.</summary>
    public async Task RunAsync(BlockSource source, RenewableLink link, CancellationToken cancellationToken)
    {
        var existing = upload.ResumeFrom is null
            ? new Dictionary<string, long>()
            : await GetBlockListAsync(link, cancellationToken);
        var blocks = Layout(source.Length, options.BlockSize, existing);
        var missing = blocks.Where(block => !(existing.TryGetValue(block.Id, out var size) && size == block.Length)).ToList();

        var progress = new ProgressTracker<UploadProgress>(source.Length, source.Length - missing.Sum(block => (long)block.Length),
            upload.Progress, (done, total) => new UploadProgress(done, total));
        progress.Start();

        await SendBlocksAsync(source, link, missing, progress, cancellationToken);

        await blobs.SendAsync(link, (blob, token) => blob.CommitBlockListAsync(blocks.Select(block => block.Id), cancellationToken: token), cancellationToken);
    }

    /// <summary>Every block storage holds for the blob, committed or not, by id with its size. No blob yet is no blocks.</summary>
    async Task<IReadOnlyDictionary<string, long>> GetBlockListAsync(RenewableLink link, CancellationToken cancellationToken)
    {
        var list = await blobs.SendAsync(link, async (blob, token) =>
        {
            try
            {
                return (await blob.GetBlockListAsync(BlockListTypes.All, cancellationToken: token)).Value;
            }
            catch (RequestFailedException missing) when (missing.Status == 404)
            {
                return null;
            }
        }, cancellationToken);
        return (list?.CommittedBlocks ?? []).Concat(list?.UncommittedBlocks ?? [])
            .GroupBy(block => block.Name)
            .ToDictionary(group => group.Key, group => group.First().SizeLong);
    }

    /// <summary>
    /// Workers, at most MaxConcurrency, take the next block until none is left, each sending it from a view of the file or
    /// from one rented buffer. The first failure stops them all.
    /// </summary>
    async Task SendBlocksAsync(BlockSource source, RenewableLink link, IReadOnlyList<Block> blocks, ProgressTracker<UploadProgress> progress, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var next = -1;
        var bufferSize = blocks.Count == 0 ? 0 : blocks.Max(block => block.Length);

        async Task WorkAsync()
        {
            var buffer = source.CanOpenBlocks ? null : options.BufferPool.Rent(bufferSize);
            try
            {
                int index;
                while ((index = Interlocked.Increment(ref next)) < blocks.Count)
                {
                    var block = blocks[index];
                    if (buffer is not null)
                        await source.ReadAsync(buffer.AsMemory(0, block.Length), block.Offset, stop.Token);
                    var written = new Progress(progress.ForPart());
                    await blobs.SendAsync(link, async (blob, token) =>
                    {
                        // The SDK rewinds the stream for each retry; progress counts only bytes beyond the furthest attempt.
                        await using var content = buffer is null ? source.OpenBlock(block.Offset, block.Length) : new MemoryStream(buffer, 0, block.Length, writable: false);
                        return await blob.StageBlockAsync(block.Id, content, new BlockBlobStageBlockOptions { ProgressHandler = written }, token);
                    }, stop.Token);
                }
            }
            catch
            {
                await stop.CancelAsync();
                throw;
            }
            finally
            {
                if (buffer is not null)
                    options.BufferPool.Return(buffer);
            }
        }

        var workers = Enumerable.Range(0, Math.Min(options.MaxConcurrency, blocks.Count)).Select(_ => Task.Run(WorkAsync, CancellationToken.None)).ToList();
        try
        {
            await Task.WhenAll(workers);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // One worker failed and cancelled the others: surface its failure, not their cancellation.
            throw workers.Select(worker => worker.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException)
                ?? throw new OperationCanceledException(cancellationToken);
        }
    }

    sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    /// <summary>SHA-256 of the whole content in one streaming pass with one small pooled buffer.</summary>
    public static async Task<string> Sha256Async(BlockSource source, FileApiClientOptions options, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = options.BufferPool.Rent(1024 * 1024);
        try
        {
            for (long offset = 0; offset < source.Length;)
            {
                var chunk = buffer.AsMemory(0, (int)Math.Min(buffer.Length, source.Length - offset));
                await source.ReadAsync(chunk, offset, cancellationToken);
                hash.AppendData(chunk.Span);
                offset += chunk.Length;
            }
        }
        finally
        {
            options.BufferPool.Return(buffer);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
