using FileApi.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace FileApi.Tests.Storage;

/// <summary>How the user delegation key is kept ready for the synchronous link methods, on a clock the test moves.</summary>
public sealed class UserDelegationKeyCacheTests
{
    private static readonly TimeSpan LongestLink = TimeSpan.FromMinutes(30);

    private readonly ManualClock _clock = new(new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly List<(DateTimeOffset StartsOn, DateTimeOffset ExpiresOn)> _fetches = [];
    private Func<Task<UserDelegationKey>>? _nextFetch;

    [Fact]
    public void OneKeySignsEveryLinkUntilItNearsItsEnd()
    {
        var cache = Cache();

        var keys = Enumerable.Range(0, 50).Select(_ => cache.KeyFor(_clock.Now + LongestLink)).Distinct().ToList();

        var key = Assert.Single(keys);
        var fetch = Assert.Single(_fetches);
        // From 5 minutes ago, like the links, to a day past the longest link: half a day of use, then half a day to renew.
        Assert.Equal((_clock.Now.AddMinutes(-5), _clock.Now + LongestLink + TimeSpan.FromDays(1)), fetch);
        Assert.Equal(fetch.ExpiresOn, key.ExpiresOn);
    }

    [Fact]
    public async Task PastTheRenewalPointLinksKeepTheCurrentKeyWhileANewOneIsFetched()
    {
        var (cache, first, pending) = PastTheRenewalPoint();

        var duringRenewal = Enumerable.Range(0, 10).Select(_ => cache.KeyFor(_clock.Now + LongestLink)).Distinct().ToList();
        var renewal = cache.PendingRenewal!;
        pending.SetResult(KeyUntil(_clock.Now.AddDays(1)));
        await renewal;
        var after = cache.KeyFor(_clock.Now + LongestLink);

        Assert.Equal([first], duringRenewal);
        Assert.Equal(2, _fetches.Count);
        Assert.Equal(_clock.Now.AddDays(1), after.ExpiresOn);
    }

    [Fact]
    public void ALinkThatNoKeyCoversWaitsForANewKey()
    {
        var cache = Cache();
        var first = cache.KeyFor(_clock.Now + LongestLink);
        _clock.Now = first.ExpiresOn - TimeSpan.FromMinutes(10);

        var key = cache.KeyFor(_clock.Now + LongestLink);

        Assert.NotEqual(first, key);
        Assert.True(key.ExpiresOn >= _clock.Now + LongestLink);
        Assert.Equal(2, _fetches.Count);
    }

    [Fact]
    public async Task AFailedRenewalIsRetriedAMinuteLaterNotByEveryLink()
    {
        var (cache, first, failing) = PastTheRenewalPoint();

        Assert.Equal(first, cache.KeyFor(_clock.Now + LongestLink));
        var renewal = cache.PendingRenewal!;
        failing.SetException(new StorageRequestException(503, "ServerBusy", "busy"));
        await Assert.ThrowsAsync<StorageRequestException>(() => renewal);
        _nextFetch = null;
        Assert.Equal(first, cache.KeyFor(_clock.Now + LongestLink));
        var fetchesBeforeRetry = _fetches.Count;
        _clock.Now += TimeSpan.FromMinutes(1);
        cache.KeyFor(_clock.Now + LongestLink);
        await (cache.PendingRenewal ?? Task.CompletedTask);

        Assert.Equal(2, fetchesBeforeRetry);
        Assert.Equal(3, _fetches.Count);
    }

    [Fact]
    public void WithoutAnyKeyTheLinkFailsWithTheStorageError()
    {
        var cache = Cache();
        _nextFetch = () => Task.FromException<UserDelegationKey>(new StorageRequestException(403, "AuthorizationPermissionMismatch", "no role"));

        var error = Assert.Throws<StorageRequestException>(() => cache.KeyFor(_clock.Now + LongestLink));

        Assert.Equal("AuthorizationPermissionMismatch", error.ErrorCode);
    }

    /// <summary>A cache whose key just reached its renewal point; the next fetch waits for the test to finish it.</summary>
    private (UserDelegationKeyCache Cache, UserDelegationKey Current, TaskCompletionSource<UserDelegationKey> NextFetch) PastTheRenewalPoint()
    {
        var cache = Cache();
        var current = cache.KeyFor(_clock.Now + LongestLink);
        _clock.Now = current.ExpiresOn - LongestLink - UserDelegationKeyCache.RenewalMargin;
        var next = new TaskCompletionSource<UserDelegationKey>();
        _nextFetch = () => next.Task;
        return (cache, current, next);
    }

    private UserDelegationKeyCache Cache() => new(Fetch, LongestLink, _clock, NullLogger.Instance);

    private Task<UserDelegationKey> Fetch(DateTimeOffset startsOn, DateTimeOffset expiresOn, CancellationToken ct)
    {
        lock (_fetches)
            _fetches.Add((startsOn, expiresOn));
        return _nextFetch?.Invoke() ?? Task.FromResult(KeyUntil(expiresOn));
    }

    private static UserDelegationKey KeyUntil(DateTimeOffset expiresOn) =>
        new("oid", "tid", expiresOn.AddDays(-1), expiresOn, "b", "2025-11-05", Guid.NewGuid().ToByteArray());

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
