using FileApi.Data;
using FileApi.Data.Providers;
using FileApi.Tests.Data.SqlServer;
using FileApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace FileApi.Tests.Data;

/// <summary>
/// EF Core binds a compiled query to the model of the first context that runs it and refuses any other; a process holding
/// both providers (this test process does) must still run each provider's own SQL.
/// </summary>
public sealed class CompiledQueryTests
{
    [Fact]
    public async Task ACompiledQueryRunFirstOnPostgreSqlStillSendsTSqlToSqlServer()
    {
        var fileExists = new CompiledQuery<Func<FileApiDb, Guid, CancellationToken, Task<bool>>>(() =>
            EF.CompileAsyncQuery((FileApiDb db, Guid id, CancellationToken ct) => db.Files.Any(f => f.Id == id)));
        var postgres = await PostgresServer.GetAsync();
        await using (var onPostgres = new FileApiDb(new DbContextOptionsBuilder<FileApiDb>().UseNpgsql(await postgres.CreateDatabaseAsync()).Options))
        {
            await onPostgres.Database.EnsureCreatedAsync();
            Assert.False(await fileExists.For(onPostgres)(onPostgres, Guid.NewGuid(), CancellationToken.None));
        }

        var server = new OfflineSqlServer();
        await using var onSqlServer = new SqlServerFileApiDb(new DbContextOptionsBuilder<SqlServerFileApiDb>()
            .UseSqlServer("Server=127.0.0.1,9;Database=never_opened;Connect Timeout=1").AddInterceptors(server).Options);
        server.Answer("FROM [files]", () => SqlServerStatementTests.Row(("Value", true)));
        Assert.True(await fileExists.For(onSqlServer)(onSqlServer, Guid.NewGuid(), CancellationToken.None));

        var sent = Assert.Single(server.Sent);
        Assert.Contains("FROM [files] AS [f]", sent.Text);
        Assert.DoesNotContain("\"", sent.Text);
    }
}
