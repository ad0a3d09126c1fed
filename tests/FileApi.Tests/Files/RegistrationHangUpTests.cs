using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using FileApi.Data;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FileApi.Tests.Files;

/// <summary>The API on a real Kestrel socket, keeping every log entry, so a client's hang-up is seen as the server sees it.</summary>
public sealed class LoggingKestrelFileApiFactory : FileApiFactory
{
    public LoggingKestrelFileApiFactory()
    {
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        this.UseKestrel(Port);
    }

    public int Port { get; }

    public CapturingLoggerProvider Logs { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
        [new("Logging:LogLevel:Microsoft.EntityFrameworkCore", "Information")];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(Logs));
    }
}

public sealed class RegistrationHangUpTests(LoggingKestrelFileApiFactory factory) : IClassFixture<LoggingKestrelFileApiFactory>
{
    [Fact]
    public async Task AClientHangingUpMidRegistrationLeavesNoFileAndNoErrorInTheLogs()
    {
        const string name = "held.txt";
        await using var holder = new NpgsqlConnection(factory.ConnectionString);
        await holder.OpenAsync();
        await using var holding = await holder.BeginTransactionAsync();
        // The path's own lock, held here, keeps the registration waiting inside the database until the client is gone.
        await using (var hold = new NpgsqlCommand($"SELECT pg_advisory_xact_lock(hashtextextended('path:{factory.WorkspaceId}:hangup/{name}', 0))", holder, holding))
            await hold.ExecuteNonQueryAsync();

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{factory.Port}") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", factory.TokenFor(FileApiFactory.Owner));
        using var hangUp = new CancellationTokenSource();
        var registering = client.PutAsync($"{factory.FilesBase}/path/hangup/{name}", null, hangUp.Token);
        await Eventually.ReadAsync(() => WaitingLocksAsync(holder), waiting => waiting > 0, "the registration to wait for the path lock");

        await hangUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => registering);
        await Eventually.ReadAsync(() => WaitingLocksAsync(holder), waiting => waiting == 0, "the registration to give up its wait");
        await holding.CommitAsync();

        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FileApiDb>();
        Assert.False(await db.Files.AnyAsync(f => f.WorkspaceId == factory.WorkspaceId && f.Name == name));
        Assert.DoesNotContain(factory.Logs.Entries.Snapshot(), entry => entry.Contains(" Error: ") || entry.Contains(" Critical: "));
    }

    static async Task<long> WaitingLocksAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("""
            SELECT count(*) FROM pg_locks
             WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
