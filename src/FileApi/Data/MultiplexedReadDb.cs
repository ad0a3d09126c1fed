using Microsoft.EntityFrameworkCore;

namespace FileApi.Data;

/// <summary>
/// <see cref="FileApiDb"/>'s PostgreSQL model over a second data source with Npgsql multiplexing, for the poll's one read
/// (<see cref="PollReadContext"/>): concurrent polls share a few physical connections and their commands go out in
/// batched writes. Only single statements outside a transaction run here; migrations, advisory locks, LISTEN and
/// transactions need a physical connection of their own and stay on <see cref="FileApiDb"/>. It has no migrations.
/// </summary>
public sealed class MultiplexedReadDb(DbContextOptions<MultiplexedReadDb> options) : FileApiDb(options);

/// <summary>The context the poll's read runs on: <see cref="MultiplexedReadDb"/> on PostgreSQL, the app's own context on SQL Server.</summary>
public sealed record PollReadContext(FileApiDb Db);
