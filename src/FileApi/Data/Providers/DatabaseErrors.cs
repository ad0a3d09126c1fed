using System.Net.Sockets;
using Microsoft.Data.SqlClient;
using Npgsql;

namespace FileApi.Data.Providers;

/// <summary>What a database error means to the API, whichever engine raised it.</summary>
public enum DatabaseFailure
{
    /// <summary>A text value longer than its column.</summary>
    ValueTooLong,

    /// <summary>A character the column cannot store (PostgreSQL refuses NUL).</summary>
    UnstorableCharacter,

    /// <summary>A unique index refused the row.</summary>
    UniqueViolation,

    /// <summary>The database cannot be reached or is not accepting work now: worth retrying.</summary>
    Unavailable,
}

/// <summary>Reads a provider's exception as a <see cref="DatabaseFailure"/>; null when it is none of them (a bug of ours, say).</summary>
public interface IDatabaseErrors
{
    DatabaseFailure? Classify(Exception exception);
}

sealed class PostgreSqlErrors : IDatabaseErrors
{
    public DatabaseFailure? Classify(Exception exception) => exception switch
    {
        PostgresException { SqlState: PostgresErrorCodes.StringDataRightTruncation } => DatabaseFailure.ValueTooLong,
        PostgresException { SqlState: PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter } => DatabaseFailure.UnstorableCharacter,
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } => DatabaseFailure.UniqueViolation,
        PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
            or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections } => DatabaseFailure.Unavailable,
        // A deadlock victim's transaction was rolled back whole: worth retrying, as SQL Server's 1205 below.
        PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected } => DatabaseFailure.Unavailable,
        PostgresException => null,
        NpgsqlException { IsTransient: true } => DatabaseFailure.Unavailable,
        NpgsqlException { InnerException: SocketException or IOException or TimeoutException } => DatabaseFailure.Unavailable,
        _ => null,
    };
}

/// <summary>By <see cref="SqlException.Number"/>: the engine's error numbers, and SqlClient's own for a connection that failed.</summary>
sealed class SqlServerErrors : IDatabaseErrors
{
    // 8152: "String or binary data would be truncated"; 2628: the same naming the column (SQL Server 2019 and later, Azure SQL).
    static readonly HashSet<int> TooLong = [8152, 2628];

    // 2627: unique constraint; 2601: unique index (ux_files_live_path is one).
    static readonly HashSet<int> Unique = [2627, 2601];

    // -2 timeout; 53, 40, 121, 233, 258, 10053, 10054, 10060, 10061, 64: no connection or a broken one; 4060 database not
    // available; 40613, 40197, 40501, 49918-49920: Azure SQL busy, failing over or resuming from auto-pause; 1205 is a deadlock victim.
    static readonly HashSet<int> Unavailable = [-2, 53, 40, 64, 121, 233, 258, 1205, 4060, 10053, 10054, 10060, 10061, 40197, 40501, 40613, 49918, 49919, 49920];

    public DatabaseFailure? Classify(Exception exception) => exception switch
    {
        SqlException sql when sql.Errors.Cast<SqlError>().Any(e => TooLong.Contains(e.Number)) => DatabaseFailure.ValueTooLong,
        SqlException sql when sql.Errors.Cast<SqlError>().Any(e => Unique.Contains(e.Number)) => DatabaseFailure.UniqueViolation,
        SqlException sql when sql.Errors.Cast<SqlError>().Any(e => Unavailable.Contains(e.Number)) => DatabaseFailure.Unavailable,
        SqlException { InnerException: SocketException or IOException or TimeoutException } => DatabaseFailure.Unavailable,
        _ => null,
    };
}
