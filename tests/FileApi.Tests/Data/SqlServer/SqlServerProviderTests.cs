using FileApi.Auth;
using FileApi.Data;
using FileApi.Data.Providers;
using FileApi.Files;
using Microsoft.EntityFrameworkCore;

namespace FileApi.Tests.Data.SqlServer;

/// <summary>The SQL Server implementations of Data/Providers against a real SQL Server (Docker).</summary>
public sealed class SqlServerProviderTests(SqlServerContainer sqlServer) : IClassFixture<SqlServerContainer>
{
    static readonly CallerIdentity Caller = new("user-1", "tenant-1", "Ada", null, false, []);

    [SqlServerFact]
    public async Task ConcurrentFirstUploadsToOnePathAgreeOnOneFileWithDistinctIncreasingVersions()
    {
        var workspace = await SeedWorkspaceAsync();
        Assert.True(FilePath.TryParse("/race/Report.CSV", out var path, out _));
        var now = DateTimeOffset.UtcNow;

        var allocated = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            await using var db = sqlServer.CreateContext();
            return (await new SqlServerVersionAllocation().AtPathAsync(db, PathClaim.For(workspace, path!),
                new NewVersion(workspace, Caller, new RegisterRequest(null, null, null), now, now.AddMinutes(30)), CancellationToken.None))!;
        }));

        Assert.Single(allocated.Select(a => a.FileId).Distinct());
        Assert.Equal(8, allocated.Select(a => a.VersionId).Distinct().Count());
        await using var check = sqlServer.CreateContext();
        var created = await check.FileVersions.Where(v => v.FileId == allocated[0].FileId).Select(v => v.CreatedAt).ToListAsync();
        Assert.All(created, at => Assert.InRange(at, now.AddSeconds(-1), now.AddSeconds(1)));
    }

    [SqlServerFact]
    public async Task TheReconcilerLockIsHeldByOneInstanceAtATime()
    {
        var instanceA = new SqlServerReconcilerLock(sqlServer.ConnectionString);
        var instanceB = new SqlServerReconcilerLock(sqlServer.ConnectionString);

        await using (var held = await instanceA.TryAcquireAsync(CancellationToken.None))
        {
            Assert.NotNull(held);
            Assert.Null(await instanceB.TryAcquireAsync(CancellationToken.None));
        }

        await using var afterRelease = await instanceB.TryAcquireAsync(CancellationToken.None);
        Assert.NotNull(afterRelease);
    }

    [SqlServerFact]
    public async Task AnExclusivePathLockKeepsAnotherTransactionsSharedLockOnTheSameKeyWaiting()
    {
        var locks = new SqlServerPathLocks();
        await using var holder = sqlServer.CreateContext();
        await using var holding = await holder.Database.BeginTransactionAsync();
        await locks.LockAsync(holder, [], "path:w:reports", CancellationToken.None);

        await using var other = sqlServer.CreateContext();
        await using var waiting = await other.Database.BeginTransactionAsync();
        await other.Database.ExecuteSqlRawAsync("SET LOCK_TIMEOUT 200;");
        // A sibling is free; the locked key, taken shared as an ancestor, is not granted within the timeout.
        await locks.LockAsync(other, [], "path:w:other", CancellationToken.None);
        await Assert.ThrowsAsync<Microsoft.Data.SqlClient.SqlException>(() => locks.LockAsync(other, ["path:w:reports"], "path:w:reports/a.csv", CancellationToken.None));
    }

    [SqlServerFact]
    public async Task SqlServerErrorsAreReadAsTheFailuresTheApiAnswers()
    {
        var workspace = await SeedWorkspaceAsync();
        var errors = new SqlServerErrors();
        StoredFile File(string name) => new()
        {
            Id = Guid.NewGuid(), WorkspaceId = workspace, Folder = "/", Name = name, PathKey = name.ToLowerInvariant(), CreatedAt = DateTimeOffset.UtcNow, CreatedById = "u",
        };
        await using (var db = sqlServer.CreateContext())
        {
            db.Files.Add(File("taken.txt"));
            await db.SaveChangesAsync();
        }

        await using var again = sqlServer.CreateContext();
        again.Files.Add(File("TAKEN.txt"));
        var duplicate = await Assert.ThrowsAsync<DbUpdateException>(() => again.SaveChangesAsync());
        Assert.Equal(DatabaseFailure.UniqueViolation, errors.Classify(duplicate.InnerException!));

        var tooLong = await Assert.ThrowsAnyAsync<Exception>(() => again.Workspaces.Where(w => w.Id == workspace)
            .ExecuteUpdateAsync(set => set.SetProperty(w => w.Name, new string('x', 5000))));
        Assert.Equal(DatabaseFailure.ValueTooLong, errors.Classify(tooLong));
    }

    async Task<Guid> SeedWorkspaceAsync()
    {
        await using var db = sqlServer.CreateContext();
        var organization = new Organization { Id = Guid.NewGuid(), Name = "org", CreatedAt = DateTimeOffset.UtcNow };
        var workspace = new Workspace { Id = Guid.NewGuid(), OrganizationId = organization.Id, Name = "ws", CreatedAt = DateTimeOffset.UtcNow };
        db.AddRange(organization, workspace);
        await db.SaveChangesAsync();
        return workspace.Id;
    }
}
