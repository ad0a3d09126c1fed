using System.Collections;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace FileApi.Benchmarks;

/// <summary>
/// Records the statements the API sends for one request, with their parameters written in as literals, so that
/// pgbench can run exactly those statements as its baseline: what the database could do for that request if the
/// API added nothing.
/// </summary>
sealed partial class SqlCapture : DbCommandInterceptor
{
    readonly List<string> _statements = [];
    volatile bool _capturing;

    public TransactionCapture Transactions { get; }

    public SqlCapture() => Transactions = new TransactionCapture(this);

    /// <summary>Runs <paramref name="request"/> once and returns the statements it sent, in order.</summary>
    public async Task<IReadOnlyList<string>> CaptureAsync(Func<Task> request)
    {
        lock (_statements)
            _statements.Clear();
        _capturing = true;
        try
        {
            await request();
        }
        finally
        {
            _capturing = false;
        }
        lock (_statements)
            return [.. _statements];
    }

    void Add(string statement)
    {
        lock (_statements)
            _statements.Add(statement);
    }

    void RecordWhileCapturing(string statement)
    {
        if (_capturing)
            Add(statement);
    }

    // Outside a capture nothing is rendered, so the recorder costs the measured load nothing but this check.
    void Record(DbCommand command)
    {
        if (_capturing)
            Add(Inline(command));
    }

    public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
    {
        Record(command);
        return result;
    }

    public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    static string Inline(DbCommand command)
    {
        var parameters = command.Parameters.Cast<NpgsqlParameter>().ToDictionary(p => p.ParameterName.TrimStart('@'), p => p);
        return ParameterName().Replace(command.CommandText, match =>
            parameters.TryGetValue(match.Groups[1].Value, out var parameter) ? Literal(parameter) : match.Value);
    }

    static string Literal(NpgsqlParameter parameter)
    {
        var literal = Value(parameter.Value);
        var type = parameter.DataTypeName;
        return string.IsNullOrEmpty(type) || type == "unknown" ? literal : $"CAST({literal} AS {type})";
    }

    static string Value(object? value) => value switch
    {
        null or DBNull => "NULL",
        string text => Quote(text),
        Guid id => Quote(id.ToString()),
        bool flag => flag ? "true" : "false",
        // Without colons, as in Quote.
        DateTimeOffset time => $"(timestamptz 'epoch' + {(time - DateTimeOffset.UnixEpoch).Ticks / 10} * interval '1 microsecond')",
        DateTime time => $"(timestamp 'epoch' + {(time - DateTime.UnixEpoch).Ticks / 10} * interval '1 microsecond')",
        byte[] bytes => Quote("\\x" + Convert.ToHexString(bytes)),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable items => "ARRAY[" + string.Join(", ", items.Cast<object?>().Select(Value)) + "]",
        _ => Quote(value.ToString() ?? ""),
    };

    // A colon is written as chr(58) (folded to a constant when planned): pgbench reads ":name" as a variable.
    static string Quote(string text) =>
        text.Contains(':') ? "(" + string.Join(" || chr(58) || ", text.Split(':').Select(Quote)) + ")" : "'" + text.Replace("'", "''") + "'";

    // Positional ($1) and named (@p0) parameters.
    [GeneratedRegex(@"(?<![\w@])[@$](\w+)")]
    private static partial Regex ParameterName();

    /// <summary>
    /// A pgbench script of the statements; <paramref name="substitutions"/> turn literals into per-transaction values. A
    /// command of several statements is one round trip and one implicit transaction, as Npgsql sends it (each statement's
    /// messages, then one Sync): a pipeline for pgbench's prepared protocol, the one way it batches prepared statements,
    /// or a compound command ("\\;") for its simple protocol, which has no pipelines.
    /// </summary>
    public static string PgbenchScript(IEnumerable<string> statements, IReadOnlyDictionary<string, string> substitutions, string? header = null, bool pipelines = true)
    {
        var script = new StringBuilder(header);
        foreach (var statement in statements)
        {
            var text = substitutions.Aggregate(statement, (s, pair) => s.Replace(pair.Key, pair.Value, StringComparison.Ordinal));
            var parts = text.Trim().TrimEnd(';').Split(";\n", StringSplitOptions.TrimEntries);
            script.Append(parts.Length == 1 || !pipelines
                ? string.Join(" \\;\n", parts) + ";\n"
                : "\\startpipeline\n" + string.Concat(parts.Select(part => part + ";\n")) + "\\endpipeline\n");
        }
        return script.ToString();
    }

    public sealed class TransactionCapture(SqlCapture capture) : DbTransactionInterceptor
    {
        public override ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
        {
            capture.RecordWhileCapturing("BEGIN");
            return ValueTask.FromResult(result);
        }

        public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            capture.RecordWhileCapturing("COMMIT");
            return Task.CompletedTask;
        }

        public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            capture.RecordWhileCapturing("ROLLBACK");
            return Task.CompletedTask;
        }

        public override ValueTask<InterceptionResult> CreatingSavepointAsync(DbTransaction transaction, TransactionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default)
        {
            capture.RecordWhileCapturing("SAVEPOINT bench");
            return ValueTask.FromResult(result);
        }
    }
}
