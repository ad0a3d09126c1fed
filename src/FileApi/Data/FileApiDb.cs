using System.Text;
using Microsoft.EntityFrameworkCore;

namespace FileApi.Data;

public sealed class FileApiDb(DbContextOptions<FileApiDb> options) : DbContext(options)
{
    public DbSet<Organization> Organizations => Set<Organization>();
    public DbSet<Workspace> Workspaces => Set<Workspace>();
    public DbSet<WorkspaceUsage> WorkspaceUsage => Set<WorkspaceUsage>();
    public DbSet<StoredFile> Files => Set<StoredFile>();
    public DbSet<FileVersion> FileVersions => Set<FileVersion>();
    public DbSet<WorkspaceMember> WorkspaceMembers => Set<WorkspaceMember>();
    public DbSet<OrganizationAdmin> OrganizationAdmins => Set<OrganizationAdmin>();
    public DbSet<WebhookEndpoint> WebhookEndpoints => Set<WebhookEndpoint>();
    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();
    public DbSet<FileImport> FileImports => Set<FileImport>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(FileApiDb).Assembly);
        UseSnakeCaseNames(modelBuilder);
    }

    // snake_case names, with the constraint names the first (hand-written SQL) schema used, so that databases
    // built by those SQL migrations match the initial EF migration name for name.
    static void UseSnakeCaseNames(ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            var table = entity.GetTableName()!;
            foreach (var property in entity.GetProperties())
                property.SetColumnName(SnakeCase(property.Name));
            foreach (var key in entity.GetKeys())
                key.SetName(key.IsPrimaryKey() ? $"pk_{table}" : $"ak_{table}_{string.Join("_", key.Properties.Select(p => SnakeCase(p.Name)))}");
            foreach (var foreignKey in entity.GetForeignKeys())
                foreignKey.SetConstraintName($"fk_{table}_{foreignKey.PrincipalEntityType.GetTableName()}");
            foreach (var index in entity.GetIndexes().Where(i => i.GetDatabaseName() is null || i.GetDatabaseName()!.StartsWith("IX_")))
                index.SetDatabaseName($"ix_{table}_{string.Join("_", index.Properties.Select(p => SnakeCase(p.Name)))}");
        }
    }

    static string SnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0 && !char.IsUpper(name[i - 1]))
                builder.Append('_');
            builder.Append(char.ToLowerInvariant(name[i]));
        }
        return builder.ToString();
    }
}
