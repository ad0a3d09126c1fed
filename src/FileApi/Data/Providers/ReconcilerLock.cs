using Microsoft.Data.SqlClient;
using Npgsql;

namespace FileApi.Data.Providers;

/// <summary>Lets one instance at a time, among all sharing the database, run a reconciler pass.</summary>
public interface IReconcilerLock
{
    /// <summary>The held lock, released when disposed; null when another instance holds it.</summary>
    Task<IAsyncDisposable?> TryAcquireAsync(CancellationToken ct);
}

/// <summary>A session-level advisory lock on a connection of its own, so the pass's own queries may use any connection.</summary>
sealed class PostgreSqlReconcilerLock(NpgsqlDataSource dataSource) : IReconcilerLock
{
    internal const long LockKey = 0x46696c6552656331; // "FileRec1"

    public async Task<IAsyncDisposable?> TryAcquireAsync(CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            await using var tryLock = new NpgsqlCommand($"SELECT pg_try_advisory_lock({LockKey})", connection);
            if ((bool)(await tryLock.ExecuteScalarAsync(ct))!)
                return new Held(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        await connection.DisposeAsync();
        return null;
    }

    sealed class Held(NpgsqlConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await using (connection)
            {
                await using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({LockKey})", connection);
                await unlock.ExecuteScalarAsync(CancellationToken.None);
            }
        }
    }
}

/// <summary>A session-owned application lock (<c>sp_getapplock</c>, no wait) on a connection of its own.</summary>
sealed class SqlServerReconcilerLock(string connectionString) : IReconcilerLock
{
    internal const string TryLockSql = """
        DECLARE @result int;
        EXEC @result = sp_getapplock @Resource = N'FileApi.Reconciler', @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0;
        SELECT @result;
        """;
    internal const string UnlockSql = "EXEC sp_releaseapplock @Resource = N'FileApi.Reconciler', @LockOwner = 'Session';";

    public async Task<IAsyncDisposable?> TryAcquireAsync(CancellationToken ct)
    {
        var connection = new SqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(ct);
            await using var tryLock = new SqlCommand(TryLockSql, connection);
            // 0 granted, 1 granted after a wait; negative: held elsewhere (-1) or failed.
            if ((int)(await tryLock.ExecuteScalarAsync(ct))! >= 0)
                return new Held(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        await connection.DisposeAsync();
        return null;
    }

    sealed class Held(SqlConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await using (connection)
            {
                await using var unlock = new SqlCommand(UnlockSql, connection);
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
    }
}
