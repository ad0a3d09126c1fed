using FileApi.Data.Providers;
using FileApi.Tests.Events;
using FileApi.Tests.Files;
using FileApi.Tests.Infrastructure;
using FileApi.Tests.Workspaces;

namespace FileApi.Tests.Data.SqlServer;

// The integration suite again, on SQL Server: each class inherits every test of its PostgreSQL class and runs it
// against an app with Database:Provider=SqlServer on a database of the shared Testcontainers SQL Server. Where no
// Docker engine answers, each test is reported as skipped with the reason (ProviderTestFramework), never as passed.
// To put another class here: unseal it and its factory, then add a factory and a class below as these are.

public sealed class SqlServerFileApiFactory : FileApiFactory
{
    public override DatabaseProvider DatabaseProvider => DatabaseProvider.SqlServer;
}

public sealed class SqlServerSmallLimitFactory : SmallLimitFactory
{
    public override DatabaseProvider DatabaseProvider => DatabaseProvider.SqlServer;
}

public sealed class SqlServerImpatientLifecycleFactory : ImpatientLifecycleFactory
{
    public override DatabaseProvider DatabaseProvider => DatabaseProvider.SqlServer;
}

public sealed class SqlServerFakeClockFactory : FakeClockFactory
{
    public override DatabaseProvider DatabaseProvider => DatabaseProvider.SqlServer;
}

public sealed class SqlServerPagingFactory : PagingFactory
{
    public override DatabaseProvider DatabaseProvider => DatabaseProvider.SqlServer;
}

public sealed class SqlServerUploadRightsFactory : UploadRightsFactory
{
    public override DatabaseProvider DatabaseProvider => DatabaseProvider.SqlServer;
}

public sealed class SqlServerMatrixFactory : MatrixFactory
{
    public override DatabaseProvider DatabaseProvider => DatabaseProvider.SqlServer;
}

public sealed class SqlServerFolderTreeFactory : FolderTreeFactory
{
    public override DatabaseProvider DatabaseProvider => DatabaseProvider.SqlServer;
}

[SqlServerSuite]
public sealed class SqlServerUploadLifecycleTests(SqlServerFileApiFactory factory) : UploadLifecycleTests(factory), IClassFixture<SqlServerFileApiFactory>;

[SqlServerSuite]
public sealed class SqlServerDeleteRestoreTests(SqlServerFileApiFactory factory) : DeleteRestoreTests(factory), IClassFixture<SqlServerFileApiFactory>;

[SqlServerSuite]
public sealed class SqlServerPathConflictTests(SqlServerFileApiFactory factory) : PathConflictTests(factory), IClassFixture<SqlServerFileApiFactory>;

[SqlServerSuite]
public sealed class SqlServerCompletionAndIntegrityTests(SqlServerSmallLimitFactory factory) : CompletionAndIntegrityTests(factory), IClassFixture<SqlServerSmallLimitFactory>;

[SqlServerSuite]
public sealed class SqlServerReconcilerTests(SqlServerImpatientLifecycleFactory factory) : ReconcilerTests(factory), IClassFixture<SqlServerImpatientLifecycleFactory>;

[SqlServerSuite]
public sealed class SqlServerRenewalExpiryRaceTests(SqlServerFakeClockFactory factory) : RenewalExpiryRaceTests(factory), IClassFixture<SqlServerFakeClockFactory>;

[SqlServerSuite]
public sealed class SqlServerListingPagingTests(SqlServerPagingFactory factory) : ListingPagingTests(factory), IClassFixture<SqlServerPagingFactory>;

[SqlServerSuite]
public sealed class SqlServerUploadRightsAndAbortTests(SqlServerUploadRightsFactory factory) : UploadRightsAndAbortTests(factory), IClassFixture<SqlServerUploadRightsFactory>;

[SqlServerSuite]
public sealed class SqlServerStorageEventTests(SqlServerFileApiFactory factory) : StorageEventTests(factory), IClassFixture<SqlServerFileApiFactory>;

[SqlServerSuite]
public sealed class SqlServerWorkspaceManagementTests(SqlServerFileApiFactory factory) : WorkspaceManagementTests(factory), IClassFixture<SqlServerFileApiFactory>;

[SqlServerSuite]
public sealed class SqlServerLastOwnerRaceTests(SqlServerFileApiFactory factory) : LastOwnerRaceTests(factory), IClassFixture<SqlServerFileApiFactory>;

[SqlServerSuite]
public sealed class SqlServerAuthorizationMatrixTests(SqlServerMatrixFactory factory) : AuthorizationMatrixTests(factory), IClassFixture<SqlServerMatrixFactory>;

[SqlServerSuite]
public sealed class SqlServerFolderViewTests(SqlServerFolderTreeFactory factory) : FolderViewTests(factory), IClassFixture<SqlServerFolderTreeFactory>;

[SqlServerSuite]
public sealed class SqlServerVersionMetadataTests(SqlServerFileApiFactory factory) : VersionMetadataTests(factory), IClassFixture<SqlServerFileApiFactory>;

[SqlServerSuite]
public sealed class SqlServerWorkspaceUsageTests(SqlServerFileApiFactory factory) : WorkspaceUsageTests(factory), IClassFixture<SqlServerFileApiFactory>;

[SqlServerSuite]
public sealed class SqlServerWorkspaceUsageRaceTests(SqlServerFileApiFactory factory) : WorkspaceUsageRaceTests(factory), IClassFixture<SqlServerFileApiFactory>;

[SqlServerSuite]
public sealed class SqlServerWorkspaceQuotaTests(SqlServerFileApiFactory factory) : WorkspaceQuotaTests(factory), IClassFixture<SqlServerFileApiFactory>;

[SqlServerSuite]
public sealed class SqlServerWorkspaceQuotaRaceTests(SqlServerFileApiFactory factory) : WorkspaceQuotaRaceTests(factory), IClassFixture<SqlServerFileApiFactory>;
