using System.Net;

namespace FileApi.Client.Transfers;

/// <summary>
/// A block's bytes as request content, written to the connection in small pieces with a callback after each,
/// so progress follows the bytes on the wire instead of jumping a block at a time.
/// </summary>
sealed class ProgressContent(ReadOnlyMemory<byte> data, Action<long> written) : HttpContent
{
    const int PieceSize = 64 * 1024;

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var sent = 0;
        while (sent < data.Length)
        {
            var piece = Math.Min(PieceSize, data.Length - sent);
            await stream.WriteAsync(data.Slice(sent, piece), cancellationToken);
            sent += piece;
            written(sent);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = data.Length;
        return true;
    }
}

/// <summary>
/// Adds up progress from parallel transfers and reports totals in increasing order. A part sent again after a
/// failure adds nothing until it passes what its earlier attempt reached, so the total never goes back.
/// </summary>
sealed class ProgressTracker<T>(long total, long already, IProgress<T>? progress, Func<long, long, T> create)
{
    readonly Lock _gate = new();
    long _done = already;

    public long Done => Volatile.Read(ref _done);

    public void Start()
    {
        lock (_gate)
            progress?.Report(create(_done, total));
    }

    public void Add(long bytes)
    {
        if (bytes <= 0)
            return;
        lock (_gate)
        {
            _done += bytes;
            progress?.Report(create(_done, total));
        }
    }

    /// <summary>A callback for one part's attempts: each reports how far it got, and only new ground counts.</summary>
    public Action<long> ForPart()
    {
        long reached = 0;
        return sent =>
        {
            if (sent > reached)
            {
                Add(sent - reached);
                reached = sent;
            }
        };
    }
}
