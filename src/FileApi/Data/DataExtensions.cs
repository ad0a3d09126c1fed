using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FileApi.Data;

public sealed class DatabaseOptions
{
    /// <summary>Apply pending migrations when the app starts. Meant for development; deployments run <c>FileApi migrate</c>.</summary>
    public bool MigrateOnStartup { get; set; }
}

public static class DataExtensions
{
    public static WebApplicationBuilder AddFileApiData(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("FileApi");
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new OptionsValidationException("ConnectionStrings:FileApi", typeof(DatabaseOptions), ["The setting 'ConnectionStrings:FileApi' (PostgreSQL connection string) is missing."]);

        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration("Database").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        builder.Services.AddDbContext<FileApiDb>((services, options) =>
            options.UseNpgsql(services.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddSingleton<DatabaseMigrator>();
        builder.Services.AddHostedService<MigrateOnStartup>();
        return builder;
    }

    sealed class MigrateOnStartup(DatabaseMigrator migrator, IOptions<DatabaseOptions> options) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            options.Value.MigrateOnStartup ? migrator.MigrateAsync(cancellationToken) : Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
