// Own code because EF Core has no "render every statement of a unit of work" mode: ToQueryString() covers a query,
// not ExecuteUpdate/ExecuteDelete or SaveChanges. EF's documented interceptors (connection, transaction, command)
// let the real SqlServer provider build and "send" each command while nothing reaches a server.
using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.SqlClient;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FileApi.Tests.Data.SqlServer;

/// <summary>A command the application sent, as SQL Server would receive it: text and parameter types (values vary by run).</summary>
public sealed record SentCommand(string Text, IReadOnlyList<string> Parameters);

/// <summary>
/// Records every command EF sends and answers it without a server: no connection opens, transactions are stand-ins,
/// a query reads an empty result (or the canned one given for it), a statement reports <see cref="RowsAffected"/>.
/// </summary>
public sealed class OfflineSqlServer : DbCommandInterceptor, IDbConnectionInterceptor, IDbTransactionInterceptor
{
    readonly List<(string Contains, Func<DataTable> Rows, int? Times)> _answers = [];

    public List<SentCommand> Sent { get; } = [];

    /// <summary>Raised after each command is recorded, e.g. for a test that waits for a background statement.</summary>
    public event Action<SentCommand>? Recorded;

    public int RowsAffected { get; set; }

    /// <summary>Answers the next queries whose text contains <paramref name="contains"/> with these rows (columns in the SELECT's order).</summary>
    public void Answer(string contains, Func<DataTable> rows) => _answers.Add((contains, rows, null));

    /// <summary>Answers only the next query whose text contains <paramref name="contains"/>; later ones fall through to the other answers.</summary>
    public void AnswerOnce(string contains, Func<DataTable> rows) => _answers.Add((contains, rows, 1));

    public void Reset()
    {
        lock (_answers)
            _answers.Clear();
        RowsAffected = 0;
    }

    // A command of our own, so that it may be given a stand-in transaction (SqlCommand accepts only a SqlTransaction).
    public override DbCommand CommandCreated(CommandEndEventData eventData, DbCommand result) => new RecordedCommand();

    DbDataReader Read(DbCommand command)
    {
        Record(command);
        Func<DataTable>? rows;
        lock (_answers)
        {
            var index = _answers.FindIndex(a => command.CommandText.Contains(a.Contains, StringComparison.Ordinal));
            rows = index < 0 ? null : _answers[index].Rows;
            if (index >= 0 && _answers[index].Times == 1)
                _answers.RemoveAt(index);
        }
        return (rows?.Invoke() ?? new DataTable()).CreateDataReader();
    }

    void Record(DbCommand command)
    {
        var sent = new SentCommand(command.CommandText,
            [.. command.Parameters.Cast<SqlParameter>().Select(p => $"{p.ParameterName} {p.SqlDbType.ToString().ToLowerInvariant()}{(p.Size != 0 ? $"({p.Size})" : "")}")]);
        lock (Sent)
            Sent.Add(sent);
        Recorded?.Invoke(sent);
    }

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result) =>
        InterceptionResult<DbDataReader>.SuppressWithResult(Read(command));

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(InterceptionResult<DbDataReader>.SuppressWithResult(Read(command)));

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Record(command);
        return InterceptionResult<int>.SuppressWithResult(RowsAffected);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(NonQueryExecuting(command, eventData, result));

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Record(command);
        return InterceptionResult<object>.SuppressWithResult(RowsAffected);
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(ScalarExecuting(command, eventData, result));

    public InterceptionResult ConnectionOpening(DbConnection connection, ConnectionEventData eventData, InterceptionResult result) =>
        InterceptionResult.Suppress();

    public ValueTask<InterceptionResult> ConnectionOpeningAsync(
        DbConnection connection, ConnectionEventData eventData, InterceptionResult result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(InterceptionResult.Suppress());

    public InterceptionResult<DbTransaction> TransactionStarting(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result) =>
        InterceptionResult<DbTransaction>.SuppressWithResult(new StandInTransaction(connection, eventData.IsolationLevel));

    public ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(
        DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(TransactionStarting(connection, eventData, result));

    sealed class StandInTransaction(DbConnection connection, IsolationLevel isolationLevel) : DbTransaction
    {
        public override IsolationLevel IsolationLevel => isolationLevel;
        protected override DbConnection DbConnection => connection;
        public override void Commit() { }
        public override void Rollback() { }
    }

    [SuppressMessage("Security", "CA2100", Justification = "Never executed: every command is suppressed by the interceptor.")]
    sealed class RecordedCommand : DbCommand
    {
        // Parameters are SqlParameters, as the SqlServer provider's type mappings configure them (SqlDbType, Size).
        readonly SqlCommand _parameters = new();

        [AllowNull]
        public override string CommandText { get; set; } = "";
        public override int CommandTimeout { get; set; }
        public override CommandType CommandType { get; set; }
        public override bool DesignTimeVisible { get; set; }
        public override UpdateRowSource UpdatedRowSource { get; set; }
        protected override DbConnection? DbConnection { get; set; }
        protected override DbParameterCollection DbParameterCollection => _parameters.Parameters;
        protected override DbTransaction? DbTransaction { get; set; }
        public override void Cancel() { }
        public override int ExecuteNonQuery() => throw new InvalidOperationException("Suppressed by OfflineSqlServer.");
        public override object ExecuteScalar() => throw new InvalidOperationException("Suppressed by OfflineSqlServer.");
        public override void Prepare() { }
        protected override DbParameter CreateDbParameter() => _parameters.CreateParameter();
        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => throw new InvalidOperationException("Suppressed by OfflineSqlServer.");

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _parameters.Dispose();
            base.Dispose(disposing);
        }
    }
}
