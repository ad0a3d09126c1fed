using System.ComponentModel.DataAnnotations;
using Azure.Core;
using FileApi.Auth;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using FileApi.Data.Providers;
using Npgsql;

namespace FileApi.Data;

public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary>PostgreSql (default, what <c>scripts/dev</c> runs) or SqlServer (Azure SQL Database signs in with <c>Authentication=Active Directory Default</c> in the connection string).</summary>
    public DatabaseProvider Provider { get; set; }

    /// <summary>Apply pending migrations when the app starts. Meant for development; deployments run <c>FileApi migrate</c>.</summary>
    public bool MigrateOnStartup { get; set; }

    /// <summary>
    /// PostgreSQL only (SQL Server takes it from the connection string): sign in with the app's Entra token as the password (Azure Database for PostgreSQL with
    /// Microsoft Entra authentication), so the connection string holds no password.
    /// </summary>
    public bool UseEntraAuthentication { get; set; }

    /// <summary>Client id of the user-assigned managed identity for <see cref="UseEntraAuthentication"/>; absent means DefaultAzureCredential.</summary>
    public string? ManagedIdentityClientId { get; set; }
}

public static class DataExtensions
{
    public static WebApplicationBuilder AddFileApiData(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("FileApi");
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new OptionsValidationException("ConnectionStrings:FileApi", typeof(DatabaseOptions), ["The setting 'ConnectionStrings:FileApi' (database connection string) is missing."]);

        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var provider = builder.Configuration.GetValue<DatabaseProvider?>($"{DatabaseOptions.SectionName}:{nameof(DatabaseOptions.Provider)}") ?? DatabaseProvider.PostgreSql;
        if (provider == DatabaseProvider.PostgreSql)
            builder.Services.AddSingleton(services => CreateDataSource(connectionString, services.GetRequiredService<IOptions<DatabaseOptions>>().Value));
        builder.Services.AddProvider(provider, connectionString);
        builder.Services.AddHostedService<MigrateOnStartup>();
        return builder;
    }

    internal const string EntraTokenScope = "https://ossrdbms-aad.database.windows.net/.default";

    // Only new physical connections present the password, and Azure.Identity serves a cached token until shortly
    // before it expires; asking this often keeps the one Npgsql holds far from expiry.
    static readonly TimeSpan TokenRefreshInterval = TimeSpan.FromMinutes(5);
    static readonly TimeSpan TokenRetryInterval = TimeSpan.FromSeconds(10);

    internal const int AutoPreparedStatements = 64;

    internal static NpgsqlDataSource CreateDataSource(string connectionString, DatabaseOptions options, TokenCredential? credential = null)
    {
        // A pooled connection goes back as it is (no DISCARD ALL before its next use): the app holds no session state
        // (its locks are transaction-scoped), and the reset would cost a round trip on every rental.
        var settings = new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true };
        // Planning, not executing, is most of what the hot statements cost the server (the files table has nine
        // indexes, all locked by every planning), so a statement run five times on a connection (Npgsql's Auto Prepare
        // Min Usages) is prepared there; a connection string may say otherwise.
        if (!SaysMaxAutoPrepare(connectionString))
            settings.MaxAutoPrepare = AutoPreparedStatements;
        var dataSource = new NpgsqlDataSourceBuilder(settings.ConnectionString);
        if (options.UseEntraAuthentication)
        {
            var identity = credential ?? AppIdentity.Credential(options.ManagedIdentityClientId);
            dataSource.UsePeriodicPasswordProvider(
                async (_, ct) => (await identity.GetTokenAsync(new TokenRequestContext([EntraTokenScope]), ct)).Token,
                TokenRefreshInterval, TokenRetryInterval);
        }
        return dataSource.Build();
    }

    /// <summary>
    /// Whether the connection string itself sets Max Auto Prepare: NpgsqlConnectionStringBuilder.ContainsKey answers true
    /// for every keyword Npgsql knows, set or not, so the text is read by the plain builder, which knows only what it holds.
    /// </summary>
    internal static bool SaysMaxAutoPrepare(string connectionString) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(key => key.Replace(" ", "", StringComparison.Ordinal).Equals("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase));

    sealed class MigrateOnStartup(IServiceScopeFactory scopes, IOptions<DatabaseOptions> options, ILogger<MigrateOnStartup> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            if (!options.Value.MigrateOnStartup)
                return;
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<FileApiDb>().ApplyMigrationsAsync(logger, cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
