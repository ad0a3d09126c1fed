using Xunit;

namespace FileApi.Tests.Infrastructure;

/// <summary>
/// Waits for what a background worker, another instance or a library finishes just after the answer a test saw (a
/// blob deleted after the failure is committed, a delivery recorded after the receiver heard it). The bound only
/// keeps a broken run from hanging: it is never a timing assertion.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan Every = TimeSpan.FromMilliseconds(50);

    /// <summary>Reads until <paramref name="done"/> holds and answers that read; fails the test, naming <paramref name="what"/>, after <paramref name="checks"/> reads.</summary>
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, int checks = 600)
    {
        var last = await LastReadAsync(read, done, checks);
        Assert.True(done(last), $"Gave up waiting for {what}.");
        return last;
    }

    /// <summary>As <see cref="ReadAsync{T}"/>, but answers the last read whether or not it held, for the test to assert on.</summary>
    public static async Task<T> LastReadAsync<T>(Func<Task<T>> read, Func<T, bool> done, int checks = 600)
    {
        var value = await read();
        for (var check = 1; check < checks && !done(value); check++)
        {
            await Task.Delay(Every);
            value = await read();
        }
        return value;
    }

    public static Task UntilAsync(Func<Task<bool>> condition, string what, int checks = 600) =>
        ReadAsync(condition, held => held, what, checks);

    public static Task UntilAsync(Func<bool> condition, string what, int checks = 600) =>
        UntilAsync(() => Task.FromResult(condition()), what, checks);
}
