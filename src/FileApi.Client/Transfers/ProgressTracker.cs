namespace FileApi.Client.Transfers;

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
