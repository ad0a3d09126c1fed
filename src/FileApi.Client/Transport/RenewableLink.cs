namespace FileApi.Client.Transport;

/// <summary>
/// A pre-signed blob link shared by every request of one transfer. It is renewed ahead of its expiry (when the
/// expiry is known) and whenever storage rejects it; requests that saw the same stale link share one renewal.
/// </summary>
sealed class RenewableLink(Uri initial, DateTimeOffset expiresAt, Func<CancellationToken, Task<(Uri Uri, DateTimeOffset ExpiresAt)>> renew,
    TimeSpan renewBeforeExpiry, TimeProvider clock)
{
    readonly SemaphoreSlim _gate = new(1, 1);
    (Uri Uri, DateTimeOffset ExpiresAt) _current = (initial, expiresAt);

    /// <summary>How many times a fresh link was fetched.</summary>
    public int Renewals { get; private set; }

    /// <summary>The link to use now.</summary>
    public async ValueTask<Uri> CurrentAsync(CancellationToken cancellationToken)
    {
        var current = _current;
        if (current.ExpiresAt - clock.GetUtcNow() > renewBeforeExpiry)
            return current.Uri;
        await RenewAsync(current.Uri, cancellationToken);
        return _current.Uri;
    }

    /// <summary>Storage refused <paramref name="rejected"/>, or it is about to expire: fetch a fresh link unless another request already did.</summary>
    public async Task RenewAsync(Uri rejected, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_current.Uri != rejected)
                return;
            _current = await renew(cancellationToken);
            Renewals++;
        }
        finally
        {
            _gate.Release();
        }
    }
}
