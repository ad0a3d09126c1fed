using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Migrations.Design;

namespace FileApi.Data;

/// <summary>
/// What <c>dotnet ef</c> uses instead of starting the app, so that <c>migrations add</c>, <c>script</c> and
/// <c>bundle</c> need neither the app's settings nor a reachable database: those commands only read the model.
/// </summary>
sealed class DesignTimeFileApiDbFactory : IDesignTimeDbContextFactory<FileApiDb>
{
    // Never opened by the commands above; `dotnet ef database update` and bundles take --connection instead.
    const string PlaceholderConnectionString = "Host=127.0.0.1;Database=fileapi_design_time";

    public FileApiDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<FileApiDb>().UseNpgsql(PlaceholderConnectionString).Options);
}

/// <summary>The same for <c>dotnet ef ... --context SqlServerFileApiDb</c> (see CONTRIBUTING.md).</summary>
sealed class DesignTimeSqlServerFileApiDbFactory : IDesignTimeDbContextFactory<Providers.SqlServerFileApiDb>
{
    const string PlaceholderConnectionString = "Server=127.0.0.1;Database=fileapi_design_time;Authentication=Active Directory Default";

    public Providers.SqlServerFileApiDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<Providers.SqlServerFileApiDb>().UseSqlServer(PlaceholderConnectionString).Options);
}

/// <summary>Found by <c>dotnet ef</c> in the startup assembly; never used when the app runs.</summary>
sealed class FileApiDesignTimeServices : IDesignTimeServices
{
    public void ConfigureDesignTimeServices(IServiceCollection services) =>
        services.AddSingleton<IMigrationsScaffolder, RepositoryMigrationsScaffolder>();
}

/// <summary>
/// <c>dotnet ef</c> looks for the previous migration and the model snapshot inside the project folder only; ours
/// live in <c>migrations/PostgreSql/</c> and <c>migrations/SqlServer/</c> at the repository root (compiled in by
/// FileApi.csproj), so it looks in the context's folder first, and new migrations and the updated snapshot are written beside the existing ones.
/// </summary>
sealed class RepositoryMigrationsScaffolder(MigrationsScaffolderDependencies dependencies) : MigrationsScaffolder(dependencies)
{
    protected override string? TryGetProjectFile(string projectDir, string fileName)
    {
        var provider = Dependencies.CurrentContext.Context is Providers.SqlServerFileApiDb ? "SqlServer" : "PostgreSql";
        var migrations = Path.GetFullPath(Path.Combine(projectDir, "..", "..", "migrations", provider));
        return (Directory.Exists(migrations) ? Directory.EnumerateFiles(migrations, fileName, SearchOption.AllDirectories).FirstOrDefault() : null)
            ?? base.TryGetProjectFile(projectDir, fileName);
    }
}
