using FileApi.Data.Providers;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace FileApi.Tests.Data.SqlServer;

/// <summary>
/// The real API in memory with <c>Database:Provider=SqlServer</c> and a server address where nothing listens: every command
/// EF builds is recorded and answered by <see cref="Server"/>, so the endpoints' statements render as SQL Server receives them.
/// Storage is the shared Azurite, so the statements that run only after storage has answered are reached too.
/// </summary>
public sealed class OfflineSqlServerFactory : FileApiFactory
{
    // The background workers would send statements of their own between a test's requests; tests call those services themselves.
    static readonly string[] Workers = ["WaitedVersionPoller", "VerificationWorker", "ReconcilerService", "WebhookDeliveryService", "FileImportService", "MigrateOnStartup"];

    public OfflineSqlServer Sql { get; } = new();

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>Runs inside verification, between the claim and the hash (see <see cref="VerificationHooks"/>).</summary>
    public Func<Task> BeforeHash { get; set; } = () => Task.CompletedTask;

    public override DatabaseProvider DatabaseProvider => DatabaseProvider.SqlServer;

    protected override bool UsesDatabase => false;

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
    [
        new("ConnectionStrings:FileApi", "Server=127.0.0.1,9;Database=never_opened;Connect Timeout=1"),
        new("Database:MigrateOnStartup", "false"),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.ConfigureDbContext<SqlServerFileApiDb>(options => options.AddInterceptors(Sql));
            // The cross-instance lock holds a connection of its own (its T-SQL is in raw-tsql.sql); here it is always granted.
            services.Replace(ServiceDescriptor.Singleton<IReconcilerLock>(new GrantedLock()));
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<VerificationHooks>(new Hooks(this));
            foreach (var worker in services.Where(d => d.ServiceType == typeof(IHostedService) && Workers.Contains(d.ImplementationType?.Name)).ToList())
                services.Remove(worker);
        });
    }

    sealed class GrantedLock : IReconcilerLock, IAsyncDisposable
    {
        public Task<IAsyncDisposable?> TryAcquireAsync(CancellationToken ct) => Task.FromResult<IAsyncDisposable?>(this);
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    sealed class Hooks(OfflineSqlServerFactory factory) : VerificationHooks
    {
        public override Task BeforeHashAsync(string blobName, CancellationToken ct) => factory.BeforeHash();
    }
}
