using Azure.Storage.Blobs.Models;
using FileApi.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FileApi.Tests.Storage;

/// <summary>How the user delegation key is kept ready for signing links, on a clock the test moves.</summary>
public sealed class UserDelegationKeyCacheTests
{
    private static readonly TimeSpan LongestLink = TimeSpan.FromMinutes(30);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly List<(DateTimeOffset StartsOn, DateTimeOffset ExpiresOn)> _fetches = [];
    private Func<Task<UserDelegationKey>>? _nextFetch;

    private DateTimeOffset Now => _clock.GetUtcNow();

    [Fact]
    public async Task OneKeySignsEveryLinkUntilItNearsItsEnd()
    {
        var cache = Cache();

        var keys = new List<UserDelegationKey>();
        for (var i = 0; i < 50; i++)
            keys.Add(await cache.KeyForAsync(Now + LongestLink, CancellationToken.None));

        var key = Assert.Single(keys.Distinct());
        var fetch = Assert.Single(_fetches);
        // From 5 minutes ago, like the links, to a day past the longest link: half a day of use, then half a day to renew.
        Assert.Equal((Now.AddMinutes(-5), Now + LongestLink + TimeSpan.FromDays(1)), fetch);
        Assert.Equal(fetch.ExpiresOn, key.SignedExpiresOn);
    }

    [Fact]
    public async Task LinksAskingAtOnceForTheFirstKeyShareOneFetchWithoutBlocking()
    {
        var cache = Cache();
        var pending = new TaskCompletionSource<UserDelegationKey>(TaskCreationOptions.RunContinuationsAsynchronously);
        _nextFetch = () => pending.Task;

        // Each call returns at once with a task: a request thread is never held while the key is fetched.
        var waiting = Enumerable.Range(0, 20).Select(_ => cache.KeyForAsync(Now + LongestLink, CancellationToken.None).AsTask()).ToList();
        var renewal = cache.PendingRenewal!;
        var neededBeforeTheFetchEnded = waiting.Count(task => task.IsCompleted);
        pending.SetResult(KeyUntil(Now.AddDays(1)));
        var keys = await Task.WhenAll(waiting);

        Assert.Equal(0, neededBeforeTheFetchEnded);
        Assert.Single(_fetches);
        Assert.Single(keys.Distinct());
        Assert.Same(await renewal, keys[0]);
    }

    [Fact]
    public async Task ACallerThatGivesUpLeavesTheSharedFetchToTheOthers()
    {
        var cache = Cache();
        var pending = new TaskCompletionSource<UserDelegationKey>(TaskCreationOptions.RunContinuationsAsynchronously);
        _nextFetch = () => pending.Task;
        using var hangUp = new CancellationTokenSource();

        var impatient = cache.KeyForAsync(Now + LongestLink, hangUp.Token).AsTask();
        var patient = cache.KeyForAsync(Now + LongestLink, CancellationToken.None).AsTask();
        await hangUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient);
        pending.SetResult(KeyUntil(Now.AddDays(1)));

        Assert.Equal(Now.AddDays(1), (await patient).SignedExpiresOn);
        Assert.Single(_fetches);
    }

    [Fact]
    public async Task PastTheRenewalPointLinksKeepTheCurrentKeyWhileANewOneIsFetched()
    {
        var (cache, first, pending) = await PastTheRenewalPointAsync();

        var duringRenewal = new List<UserDelegationKey>();
        for (var i = 0; i < 10; i++)
            duringRenewal.Add(await cache.KeyForAsync(Now + LongestLink, CancellationToken.None));
        var renewal = cache.PendingRenewal!;
        pending.SetResult(KeyUntil(Now.AddDays(1)));
        await renewal;
        var after = await cache.KeyForAsync(Now + LongestLink, CancellationToken.None);

        Assert.Equal([first], duringRenewal.Distinct());
        Assert.Equal(2, _fetches.Count);
        Assert.Equal(Now.AddDays(1), after.SignedExpiresOn);
    }

    [Fact]
    public async Task ALinkThatNoKeyCoversWaitsForANewKey()
    {
        var cache = Cache();
        var first = await cache.KeyForAsync(Now + LongestLink, CancellationToken.None);
        _clock.SetUtcNow(first.SignedExpiresOn - TimeSpan.FromMinutes(10));

        var key = await cache.KeyForAsync(Now + LongestLink, CancellationToken.None);

        Assert.NotEqual(first, key);
        Assert.True(key.SignedExpiresOn >= Now + LongestLink);
        Assert.Equal(2, _fetches.Count);
    }

    [Fact]
    public async Task AFailedRenewalIsRetriedAMinuteLaterNotByEveryLink()
    {
        var (cache, first, failing) = await PastTheRenewalPointAsync();

        Assert.Equal(first, await cache.KeyForAsync(Now + LongestLink, CancellationToken.None));
        var renewal = cache.PendingRenewal!;
        failing.SetException(new StorageRequestException(503, "ServerBusy", "busy"));
        await Assert.ThrowsAsync<StorageRequestException>(() => renewal);
        _nextFetch = null;
        Assert.Equal(first, await cache.KeyForAsync(Now + LongestLink, CancellationToken.None));
        var fetchesBeforeRetry = _fetches.Count;
        _clock.Advance(TimeSpan.FromMinutes(1));
        await cache.KeyForAsync(Now + LongestLink, CancellationToken.None);
        await (cache.PendingRenewal ?? Task.CompletedTask);

        Assert.Equal(2, fetchesBeforeRetry);
        Assert.Equal(3, _fetches.Count);
    }

    [Fact]
    public async Task WithoutAnyKeyTheLinkFailsWithTheStorageErrorAndTheNextLinkTriesAgain()
    {
        var cache = Cache();
        _nextFetch = () => Task.FromException<UserDelegationKey>(new StorageRequestException(403, "AuthorizationPermissionMismatch", "no role"));

        var error = await Assert.ThrowsAsync<StorageRequestException>(() => cache.KeyForAsync(Now + LongestLink, CancellationToken.None).AsTask());
        _nextFetch = null;
        var key = await cache.KeyForAsync(Now + LongestLink, CancellationToken.None);

        Assert.Equal("AuthorizationPermissionMismatch", error.ErrorCode);
        Assert.Equal(2, _fetches.Count);
        Assert.True(key.SignedExpiresOn >= Now + LongestLink);
    }

    /// <summary>A cache whose key just reached its renewal point; the next fetch waits for the test to finish it.</summary>
    private async Task<(UserDelegationKeyCache Cache, UserDelegationKey Current, TaskCompletionSource<UserDelegationKey> NextFetch)> PastTheRenewalPointAsync()
    {
        var cache = Cache();
        var current = await cache.KeyForAsync(Now + LongestLink, CancellationToken.None);
        _clock.SetUtcNow(current.SignedExpiresOn - LongestLink - UserDelegationKeyCache.RenewalMargin);
        var next = new TaskCompletionSource<UserDelegationKey>(TaskCreationOptions.RunContinuationsAsynchronously);
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
        BlobsModelFactory.UserDelegationKey("oid", "tid", expiresOn.AddDays(-1), expiresOn, "b", "2026-06-06",
            Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
}
