using System.Collections.Concurrent;

namespace FileApi.Data;

/// <summary>
/// A compiled query for each DbContext type that runs it. EF Core binds a compiled query to the model of the first
/// context that executes it and refuses any other ("executed with a different model"), and a process may hold both
/// providers' contexts (the tests do: PostgreSQL and SQL Server hosts side by side).
/// </summary>
public sealed class CompiledQuery<TQuery>(Func<TQuery> compile) where TQuery : Delegate
{
    readonly ConcurrentDictionary<Type, TQuery> _byContextType = new();

    public TQuery For(FileApiDb db) => _byContextType.GetOrAdd(db.GetType(), static (_, compile) => compile(), compile);
}
