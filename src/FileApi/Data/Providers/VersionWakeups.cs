using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Npgsql;

namespace FileApi.Data.Providers;

/// <summary>What a listening instance does with what it hears.</summary>
/// <param name="Heard">Another instance (or this one) finished the version: its waiters here may answer.</param>
/// <param name="Listening">
/// Listening has (re)started: what was announced while this instance was not listening is lost, so the waited
/// versions are read once from the database.
/// </param>
public sealed record WakeupHandlers(Action<Guid, long> Heard, Func<CancellationToken, Task> Listening);

/// <summary>
/// Tells the other instances sharing the database that a version finished (became ready or failed), so their
/// long-polls on it answer at once instead of at their next re-read of the waited versions.
/// </summary>
public interface IVersionWakeups
{
    /// <summary>False where the database cannot announce (SQL Server): the re-read of the waited versions is then the only cross-instance wake-up.</summary>
    bool CanAnnounce { get; }

    /// <summary>Announces, after the transition's commit, that this instance finished the version. Never waits or throws; bursts go out together.</summary>
    void Announce(Guid fileId, long versionId);

    /// <summary>Sends this instance's announcements and hears the others' until <paramref name="stoppingToken"/>, reconnecting after an outage.</summary>
    Task RunAsync(WakeupHandlers handlers, CancellationToken stoppingToken);
}

/// <summary>
/// PostgreSQL's LISTEN/NOTIFY on one channel. One dedicated connection per instance listens; announcements queue and
/// go out on a pooled connection, as many versions per NOTIFY as its payload holds and as many NOTIFYs per round trip
/// as have queued while the last one was sent. A notification is delivered only to sessions listening when it commits,
/// so after every (re)connection the caller's <see cref="WakeupHandlers.Listening"/> catches up.
/// </summary>
sealed class PostgreSqlVersionWakeups(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<PostgreSqlVersionWakeups> logger) : IVersionWakeups
{
    internal const string Channel = "fileapi_version_finished";

    // PostgreSQL refuses a payload of 8000 bytes or more; a version is "{fileId}:{versionId}" (at most 56 ASCII bytes).
    const int MaxPayloadBytes = 7900;
    const int MaxNotifiesPerRoundTrip = 64;
    // Beyond this many announcements waiting to be sent (the database is down), the oldest go: the re-read finds them.
    const int MaxQueued = 100_000;

    internal static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(30);

    // An idle listening connection is pinged this often, so one a network device dropped silently is noticed and
    // replaced. Npgsql times out the wait itself (a cancelled wait would break the connection), so this is wall-clock time.
    static readonly TimeSpan PingAfterIdle = TimeSpan.FromSeconds(30);

    readonly Channel<(Guid FileId, long VersionId)> _announced = System.Threading.Channels.Channel.CreateBounded<(Guid, long)>(
        new BoundedChannelOptions(MaxQueued) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    /// <summary>The listening session's backend process id once it listens and has caught up, so a test can end that session.</summary>
    internal int? ListeningProcessId { get; private set; }

    public bool CanAnnounce => true;

    public void Announce(Guid fileId, long versionId) => _announced.Writer.TryWrite((fileId, versionId));

    public Task RunAsync(WakeupHandlers handlers, CancellationToken stoppingToken) =>
        Task.WhenAll(SendAsync(stoppingToken), ListenAsync(handlers, stoppingToken));

    async Task SendAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _announced.Reader.WaitToReadAsync(stoppingToken))
            {
                var payloads = QueuedPayloads();
                try
                {
                    await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                    await using var batch = new NpgsqlBatch(connection);
                    foreach (var payload in payloads)
                        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_notify($1, $2)") { Parameters = { new() { Value = Channel }, new() { Value = payload } } });
                    await batch.ExecuteNonQueryAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // Those versions' waiters elsewhere answer at their instance's next re-read instead.
                    logger.LogWarning(exception, "Could not announce {Count} finished versions to the other instances", payloads.Count);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    List<string> QueuedPayloads()
    {
        var payloads = new List<string>();
        var payload = new StringBuilder();
        while (payloads.Count < MaxNotifiesPerRoundTrip && _announced.Reader.TryRead(out var version))
        {
            var entry = string.Create(CultureInfo.InvariantCulture, $"{version.FileId}:{version.VersionId}");
            if (payload.Length + 1 + entry.Length > MaxPayloadBytes)
            {
                payloads.Add(payload.ToString());
                payload.Clear();
            }
            payload.Append(payload.Length == 0 ? "" : " ").Append(entry);
        }
        if (payload.Length > 0)
            payloads.Add(payload.ToString());
        return payloads;
    }

    async Task ListenAsync(WakeupHandlers handlers, CancellationToken stoppingToken)
    {
        var retry = FirstRetry;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenOnceAsync(handlers, () => retry = FirstRetry, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                ListeningProcessId = null;
                logger.LogWarning(exception, "Stopped hearing finished versions from the other instances; listening again in {Retry}", retry);
                try
                {
                    await Task.Delay(retry, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
            }
        }
    }

    /// <summary>Listens until the connection fails (it throws) or the instance stops.</summary>
    async Task ListenOnceAsync(WakeupHandlers handlers, Action listening, CancellationToken stoppingToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
        try
        {
            connection.Notification += (_, notification) => Hear(notification.Payload, handlers.Heard);
            await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                await listen.ExecuteNonQueryAsync(stoppingToken);
            listening();
            await handlers.Listening(stoppingToken);
            ListeningProcessId = connection.ProcessID;
            logger.LogInformation("Hearing finished versions from the other instances (LISTEN {Channel})", Channel);
            while (true)
            {
                if (!await connection.WaitAsync(PingAfterIdle, stoppingToken))
                {
                    await using var ping = new NpgsqlCommand("SELECT 1", connection);
                    await ping.ExecuteNonQueryAsync(stoppingToken);
                }
            }
        }
        finally
        {
            ListeningProcessId = null;
            // The pool keeps session state (no reset on close): a connection going back to it must not still listen.
            if (connection.FullState == System.Data.ConnectionState.Open)
            {
                await using var unlisten = new NpgsqlCommand("UNLISTEN *", connection);
                await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
    }

    void Hear(string payload, Action<Guid, long> heard)
    {
        foreach (var entry in payload.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var separator = entry.IndexOf(':');
            if (separator > 0 && Guid.TryParse(entry.AsSpan(0, separator), out var fileId)
                && long.TryParse(entry.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var versionId))
                heard(fileId, versionId);
            else
                logger.LogWarning("Ignored a malformed finished-version notification entry {Entry}", entry);
        }
    }
}

/// <summary>
/// No announcements: SQL Server has no LISTEN/NOTIFY. Its nearest, Service Broker (and SqlDependency on top of it), is
/// not available in Azure SQL Database and elsewhere needs the broker enabled plus a queue and a service per
/// database, which is not worth it for a wake-up the re-read of the waited versions already gives within its interval.
/// </summary>
sealed class SqlServerVersionWakeups : IVersionWakeups
{
    public bool CanAnnounce => false;

    public void Announce(Guid fileId, long versionId)
    {
    }

    public Task RunAsync(WakeupHandlers handlers, CancellationToken stoppingToken) => Task.CompletedTask;
}
