using Azure.Storage.Blobs.Models;

namespace FileApi.Storage;

/// <summary>
/// Keeps a user delegation key ready for signing links when the app has no account key (Azure, where the account
/// allows no shared key). Only a link that no key covers yet (the first one) waits for a fetch, asynchronously. Once
/// the key has less than the longest link lifetime plus <see cref="RenewalMargin"/> left, links start a renewal in
/// the background and keep being signed with the current key, so a renewal that fails is retried by later links for
/// hours before any link needs a newer key. Every caller meanwhile shares one fetch.
/// </summary>
internal sealed partial class UserDelegationKeyCache(
    Func<DateTimeOffset, DateTimeOffset, CancellationToken, Task<UserDelegationKey>> fetch,
    TimeSpan longestLinkLifetime,
    TimeProvider time,
    ILogger logger)
{
    internal static readonly TimeSpan RenewalMargin = TimeSpan.FromHours(12);

    // The service refuses a key that expires more than 7 days after its own clock; this leaves ours room to be ahead.
    private static readonly TimeSpan MaxKeyLifetime = TimeSpan.FromDays(7) - TimeSpan.FromMinutes(10);

    // Links start 5 minutes in the past for clocks that run behind; the key that signs them starts with them.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    // After a failed background renewal, links wait this long before starting another, rather than one after the other.
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMinutes(1);

    private readonly Lock _lock = new();
    private UserDelegationKey? _current;
    private Task<UserDelegationKey>? _renewal;
    private DateTimeOffset _nextRenewal = DateTimeOffset.MinValue;

    /// <summary>The renewal under way, if any (tests wait for it).</summary>
    internal Task<UserDelegationKey>? PendingRenewal
    {
        get
        {
            lock (_lock)
                return _renewal;
        }
    }

    /// <summary>
    /// A key that outlives <paramref name="linkExpiresOn"/>. Cancelling stops only this caller's wait: the fetch
    /// goes on for the others.
    /// </summary>
    public async ValueTask<UserDelegationKey> KeyForAsync(DateTimeOffset linkExpiresOn, CancellationToken ct)
    {
        var key = Volatile.Read(ref _current);
        if (key is not null && key.SignedExpiresOn >= linkExpiresOn)
        {
            var now = time.GetUtcNow();
            if (now >= key.SignedExpiresOn - longestLinkLifetime - RenewalMargin && now >= NextRenewal)
                RenewInBackground();
            return key;
        }

        key = await Renew().WaitAsync(ct);
        if (key.SignedExpiresOn < linkExpiresOn)
            throw new InvalidOperationException($"A link that expires at {linkExpiresOn:O} would outlive the user delegation key ({key.SignedExpiresOn:O}).");
        return key;
    }

    private DateTimeOffset NextRenewal
    {
        get
        {
            lock (_lock)
                return _nextRenewal;
        }
    }

    private void RenewInBackground() =>
        // The failure is logged where it happens; this only marks it observed.
        Renew().ContinueWith(static task => task.Exception, TaskContinuationOptions.OnlyOnFaulted);

    // One fetch at a time, shared by every caller that asks meanwhile. Task.Run so that the fetch's own clean-up
    // (which takes the lock) cannot run before its task is recorded here.
    private Task<UserDelegationKey> Renew()
    {
        lock (_lock)
            return _renewal ??= Task.Run(FetchAsync);
    }

    private async Task<UserDelegationKey> FetchAsync()
    {
        try
        {
            var now = time.GetUtcNow();
            var lifetime = longestLinkLifetime + 2 * RenewalMargin;
            var key = await fetch(now - ClockSkew, now + (lifetime < MaxKeyLifetime ? lifetime : MaxKeyLifetime), CancellationToken.None);
            Volatile.Write(ref _current, key);
            LogKeyRenewed(key.SignedExpiresOn);
            return key;
        }
        catch (Exception exception)
        {
            lock (_lock)
                _nextRenewal = time.GetUtcNow() + RetryInterval;
            LogKeyRenewalFailed(exception);
            throw;
        }
        finally
        {
            lock (_lock)
                _renewal = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Got a user delegation key valid until {ExpiresOn:O}")]
    private partial void LogKeyRenewed(DateTimeOffset expiresOn);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not get a user delegation key; links keep the current one while it lasts")]
    private partial void LogKeyRenewalFailed(Exception exception);
}
