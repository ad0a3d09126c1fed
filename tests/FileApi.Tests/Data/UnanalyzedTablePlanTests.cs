using FileApi.Auth;
using FileApi.Data;
using FileApi.Data.Providers;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Tests.Data;

/// <summary>
/// A files table no ANALYZE has read yet (a new deployment's first minute, a bulk import's first thousands of files)
/// makes PostgreSQL guess that a workspace holds one file. With "path_key = ANY (ancestors)" it then read every key of
/// the workspace and filtered them, on every registration. A class of its own: its database must never be analyzed.
/// </summary>
public sealed class UnanalyzedTablePlanTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    [Fact]
    public async Task ARegistrationsFileOrFolderCheckReadsOnlyItsOwnKeysInAFilesTableNeverAnalyzed()
    {
        var workspaceId = factory.WorkspaceId;
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FileApiDb>();
        // Autovacuum would analyze the table once it sees the seeded files; this test is about the time before.
        await db.Database.ExecuteSqlRawAsync("ALTER TABLE files SET (autovacuum_enabled = false)");
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO files (id, workspace_id, folder, name, path_key, latest_version_id, created_at, created_by_id)
            SELECT gen_random_uuid(), {workspaceId}, '/unanalyzed/', 'f' || n, 'unanalyzed/f' || n, 1000, now(), 'seed'
              FROM generate_series(1, 20000) AS n
            """);
        Assert.Equal(-1f, await db.Database.SqlQueryRaw<float>("SELECT reltuples AS \"Value\" FROM pg_class WHERE oid = 'files'::regclass").SingleAsync());

        // In one transaction, so that the view holds all eight registrations' rows read.
        await using var transaction = await db.Database.BeginTransactionAsync();
        var fetchedBefore = await RowsFetchedFromFilesAsync(db);
        var allocation = scope.ServiceProvider.GetRequiredService<IVersionAllocation>();
        var caller = new CallerIdentity("unanalyzed", null, "Unanalyzed", null, IsApplication: false, Roles: []);
        for (var i = 0; i < 8; i++)
        {
            Assert.True(FilePath.TryParse($"/unanalyzed/new/{i}.bin", out var path, out _));
            var version = new NewVersion(workspaceId, caller, new RegisterRequest(), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(30));
            Assert.NotNull(await allocation.AtPathAsync(db, PathClaim.For(workspaceId, path), version, CancellationToken.None));
        }

        // Reading the workspace's keys fetched each of its 20,000 files (none of them all-visible yet) per registration.
        Assert.InRange(await RowsFetchedFromFilesAsync(db) - fetchedBefore, 0, 100);
    }

    static Task<long> RowsFetchedFromFilesAsync(FileApiDb db) =>
        db.Database.SqlQueryRaw<long>("SELECT idx_tup_fetch AS \"Value\" FROM pg_stat_xact_user_tables WHERE relname = 'files'").SingleAsync();
}
