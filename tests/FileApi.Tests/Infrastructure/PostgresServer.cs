using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace FileApi.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster for the whole test run (Debian's postgresql package), on a free
/// loopback port, stopped through its own data directory when the run ends. Each test class asks
/// for its own database. Set FILEAPI_TEST_POSTGRES to a connection string to use a server of your own (it needs
/// the <see cref="PasswordLoginGroup"/> line of pg_hba.conf that this class writes for its own cluster).
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync);

    /// <summary>
    /// Members of this role must sign in with a password, while every other role is trusted: that is how a test
    /// proves a token really is sent as the password.
    /// </summary>
    public const string PasswordLoginGroup = "fileapi_password_login";

    readonly string _adminConnectionString;
    readonly Cluster? _cluster; // null for a server of the caller's own (FILEAPI_TEST_POSTGRES)

    /// <summary>A cluster this class made: where it lives and how it was started, so it can be started again as it was.</summary>
    sealed record Cluster(string Bin, string Data, string Root, int Port, bool RunAsPostgres, string ServerOptions, bool Dedicated);

    PostgresServer(string adminConnectionString, Cluster? cluster = null)
    {
        _adminConnectionString = adminConnectionString;
        _cluster = cluster;
    }

    public static Task<PostgresServer> GetAsync() => Shared.Value;

    /// <summary>
    /// A cluster of its own for a test that stops and starts it (an outage), which the shared one must never see.
    /// It commits synchronously, so that a stop loses no commit the app was told had happened; its data directory
    /// and port stay the same across restarts. <see cref="DisposeAsync"/> removes it.
    /// </summary>
    public static Task<PostgresServer> StartDedicatedAsync() => StartClusterAsync("-c synchronous_commit=on -c max_connections=100", dedicated: true);

    /// <summary>Stops a dedicated cluster as a crash would (immediate mode, through the pid its data directory records).</summary>
    public Task StopAsync()
    {
        var cluster = Dedicated();
        return RunAsync(Path.Combine(cluster.Bin, "pg_ctl"), ["-D", cluster.Data, "-m", "immediate", "-w", "-t", "60", "stop"], cluster.RunAsPostgres);
    }

    /// <summary>Starts a stopped dedicated cluster again on its port and data directory; returns once it takes connections.</summary>
    public Task StartAgainAsync() => StartServerAsync(Dedicated());

    /// <summary>Stops a dedicated cluster for good and deletes it; the shared one lives until the test run ends.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_cluster is not { Dedicated: true })
            return;
        try
        {
            await StopAsync();
        }
        catch (InvalidOperationException)
        {
            // already stopped
        }
        Directory.Delete(_cluster.Root, recursive: true);
    }

    Cluster Dedicated() => _cluster is { Dedicated: true } cluster
        ? cluster
        : throw new InvalidOperationException("Only a dedicated cluster (StartDedicatedAsync) may be stopped and started.");

    public async Task<string> CreateDatabaseAsync()
    {
        var name = "fileapi_test_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(_adminConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Runs SQL as the superuser.</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A connection string for <paramref name="role"/>, which signs in without a password here, to <paramref name="database"/>.</summary>
    public string ConnectionStringFor(string role, string database) =>
        new NpgsqlConnectionStringBuilder(_adminConnectionString) { Username = role, Database = database, Pooling = false }.ConnectionString;

    /// <summary>A new login role that must sign in with <paramref name="password"/>, and a connection string without it.</summary>
    public async Task<(string Role, string ConnectionString)> CreatePasswordLoginAsync(string password)
    {
        var role = "password_login_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync($"""
            DO $$ BEGIN CREATE ROLE {PasswordLoginGroup} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
            CREATE ROLE {role} LOGIN PASSWORD '{password.Replace("'", "''")}' IN ROLE {PasswordLoginGroup};
            """);
        return (role, ConnectionStringFor(role, "postgres"));
    }

    static async Task<PostgresServer> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("FILEAPI_TEST_POSTGRES") is { Length: > 0 } external)
            return new PostgresServer(external);
        return await StartClusterAsync("-c synchronous_commit=off -c max_connections=300", dedicated: false);
    }

    static async Task<PostgresServer> StartClusterAsync(string serverOptions, bool dedicated)
    {
        var bin = FindBinDirectory();
        var root = Directory.CreateTempSubdirectory("fileapi-test-pg-").FullName;
        var data = Path.Combine(root, "data");
        var port = FreePort();
        var runAsPostgres = Environment.UserName == "root";
        if (runAsPostgres)
            await RunAsync("chown", ["postgres:postgres", root], asPostgres: false);

        await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"], runAsPostgres);
        // The first matching line wins, so this one goes before initdb's "trust everyone".
        var hba = Path.Combine(data, "pg_hba.conf");
        await File.WriteAllTextAsync(hba, $"host all +{PasswordLoginGroup} 127.0.0.1/32 scram-sha-256\n" + await File.ReadAllTextAsync(hba));
        var cluster = new Cluster(bin, data, root, port, runAsPostgres, serverOptions, dedicated);
        await StartServerAsync(cluster);
        StopWhenThisProcessEnds(bin, data, root, runAsPostgres);

        return new PostgresServer($"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=20", cluster);
    }

    static Task StartServerAsync(Cluster cluster) =>
        RunAsync(Path.Combine(cluster.Bin, "pg_ctl"),
        [
            "-D", cluster.Data, "-l", Path.Combine(cluster.Root, "server.log"), "-w", "-t", "60", "start", "-o",
            $"-p {cluster.Port} -k {cluster.Root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off {cluster.ServerOptions}",
        ], cluster.RunAsPostgres);

    /// <summary>
    /// A detached watchdog stops this run's cluster (by its data folder) once the test process is gone, however it
    /// ended: exit handlers do not run when the test host is killed, and a cluster left behind would live on.
    /// </summary>
    static void StopWhenThisProcessEnds(string bin, string data, string root, bool runAsPostgres)
    {
        var pgCtl = (runAsPostgres ? "runuser -u postgres -- " : "") + $"'{Path.Combine(bin, "pg_ctl")}'";
        var script = $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; {pgCtl} -D '{data}' -m immediate -w stop; rm -rf '{root}'";
        var start = new ProcessStartInfo("setsid") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/tmp" };
        foreach (var argument in new[] { "sh", "-c", script })
            start.ArgumentList.Add(argument);
        Process.Start(start)?.Dispose();
    }

    /// <summary>The PostgreSQL programs (initdb, pg_ctl, psql) of the newest installed version.</summary>
    public static string BinDirectory => FindBinDirectory();

    static string FindBinDirectory()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
            : [];
        return candidates.OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL server binaries were not found under /usr/lib/postgresql. Install them with: apt-get install postgresql (scripts/test does this).");
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    static Task RunAsync(string fileName, string[] arguments, bool asPostgres) =>
        asPostgres ? Processes.RunAsync("runuser", ["-u", "postgres", "--", fileName, .. arguments]) : Processes.RunAsync(fileName, arguments);
}
