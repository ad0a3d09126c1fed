using FileApi.Files;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FileApi.Data;

sealed class OrganizationConfiguration : IEntityTypeConfiguration<Organization>
{
    public void Configure(EntityTypeBuilder<Organization> org)
    {
        org.ToTable("organizations");
        org.Property(o => o.Name).HasMaxLength(200);
    }
}

sealed class WorkspaceConfiguration : IEntityTypeConfiguration<Workspace>
{
    public void Configure(EntityTypeBuilder<Workspace> workspace)
    {
        workspace.ToTable("workspaces", table => table.HasCheckConstraint("ck_workspaces_quota_bytes", "quota_bytes >= 0"));
        workspace.Property(w => w.Name).HasMaxLength(200);
        workspace.HasOne<Organization>().WithMany().HasForeignKey(w => w.OrganizationId).OnDelete(DeleteBehavior.Restrict);
    }
}

sealed class WorkspaceUsageConfiguration : IEntityTypeConfiguration<WorkspaceUsage>
{
    public void Configure(EntityTypeBuilder<WorkspaceUsage> usage)
    {
        usage.ToTable("workspace_usage");
        usage.HasKey(u => u.WorkspaceId);
        usage.HasOne<Workspace>().WithOne().HasForeignKey<WorkspaceUsage>(u => u.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

sealed class StoredFileConfiguration : IEntityTypeConfiguration<StoredFile>
{
    /// <summary>The rows a listing of live files reads, as a filtered index's predicate (the same text on both engines).</summary>
    const string LiveAndVisible = "deleted_at IS NULL AND current_version_id IS NOT NULL";

    public void Configure(EntityTypeBuilder<StoredFile> file)
    {
        file.ToTable("files");
        file.Property(f => f.Folder).HasMaxLength(FilePathLimits.MaxPathLength);
        file.Property(f => f.Name).HasMaxLength(FilePathLimits.MaxSegmentLength);
        // Byte order makes folder listings a range scan and keeps path order identical in every database locale.
        file.Property(f => f.PathKey).HasMaxLength(FilePathLimits.MaxPathLength).UseCollation("C");
        // A stored generated column, so no write path (nor a row written before it existed) can disagree with path_key;
        // its expression is the engine's (Providers.FolderKeys; SqlServerFileApiDb sets SQL Server's).
        file.Property(f => f.FolderKey).HasMaxLength(FilePathLimits.MaxPathLength).UseCollation("C")
            .HasComputedColumnSql(Providers.FolderKeys.PostgreSql, stored: true);
        file.Property(f => f.CreatedById).HasMaxLength(128);
        file.Property(f => f.CreatedByName).HasMaxLength(256);
        file.Property(f => f.CreatedByEmail).HasMaxLength(256);
        file.Property(f => f.DeletedById).HasMaxLength(128);
        file.Property(f => f.DeletedByName).HasMaxLength(256);
        file.Property(f => f.DeletedByEmail).HasMaxLength(256);
        file.HasOne<Workspace>().WithMany().HasForeignKey(f => f.WorkspaceId).OnDelete(DeleteBehavior.Restrict);

        // One live file per path; deleted files keep their row (and path) until purged.
        file.HasIndex(f => new { f.WorkspaceId, f.PathKey })
            .IsUnique()
            .HasFilter("deleted_at IS NULL")
            .HasDatabaseName("ux_files_live_path");

        // Listing orders: each is a keyset seek (cursor) over live, visible files of one workspace, in exactly the
        // listing's order (key, then id; the key in its column's collation), so a page is one index range read in order.
        file.HasIndex(f => new { f.WorkspaceId, f.PathKey, f.Id })
            .HasFilter(LiveAndVisible)
            .HasDatabaseName("ix_files_live_path_order");
        file.HasIndex(f => new { f.WorkspaceId, f.Name, f.Id })
            .HasFilter(LiveAndVisible)
            .HasDatabaseName("ix_files_live_name");
        file.HasIndex(f => new { f.WorkspaceId, f.CurrentSize, f.Id })
            .HasFilter(LiveAndVisible)
            .HasDatabaseName("ix_files_live_size");
        file.HasIndex(f => new { f.WorkspaceId, f.ModifiedAt, f.Id })
            .HasFilter(LiveAndVisible)
            .HasDatabaseName("ix_files_live_modified");
        file.HasIndex(f => new { f.WorkspaceId, f.CreatedAt, f.Id })
            .HasFilter(LiveAndVisible)
            .HasDatabaseName("ix_files_live_created");
        file.HasIndex(f => new { f.WorkspaceId, f.DeletedAt, f.Id })
            .HasFilter("deleted_at IS NOT NULL")
            .HasDatabaseName("ix_files_deleted");

        // The folder view: a folder's own files are one range of this index, and each subfolder one seek (FolderListing).
        file.HasIndex(f => new { f.WorkspaceId, f.FolderKey, f.PathKey, f.Id })
            .HasFilter(LiveAndVisible)
            .HasDatabaseName("ix_files_live_folder");
    }
}

sealed class FileVersionConfiguration : IEntityTypeConfiguration<FileVersion>
{
    public void Configure(EntityTypeBuilder<FileVersion> version)
    {
        version.ToTable("file_versions");
        version.HasKey(v => new { v.FileId, v.VersionId });
        version.Property(v => v.Status).HasConversion<string>().HasMaxLength(16);
        version.Property(v => v.CreatedById).HasMaxLength(128);
        version.Property(v => v.CreatedByName).HasMaxLength(256);
        version.Property(v => v.CreatedByEmail).HasMaxLength(256);
        version.Property(v => v.ETag).HasMaxLength(128);
        version.Property(v => v.FailureReason).HasMaxLength(1000);
        version.Property(v => v.FailureCode).HasMaxLength(32);
        version.Property(v => v.VerificationOwner).HasMaxLength(128);
        version.Property(v => v.DeclaredMd5).HasMaxLength(32);
        version.Property(v => v.DeclaredSha256).HasMaxLength(64);
        version.Property(v => v.Verified).HasMaxLength(64);
        version.Property(v => v.BlobVersionId).HasMaxLength(64);
        version.Property(v => v.BlobSnapshot).HasMaxLength(64);
        version.Property(v => v.ContentType).HasMaxLength(VersionMetadata.MaxContentTypeLength);
        // Read and written whole with its version, never searched by key: one JSON object in a text column.
        version.Property(v => v.Metadata).HasConversion(VersionMetadata.Converter, VersionMetadata.Comparer);
        version.HasOne<StoredFile>().WithMany().HasForeignKey(v => v.FileId).OnDelete(DeleteBehavior.Cascade);

        // "Latest ready version of a file" is one backward seek on this index.
        version.HasIndex(v => new { v.FileId, v.VersionId })
            .IsDescending(false, true)
            .HasFilter("status = 'Ready'")
            .HasDatabaseName("ix_file_versions_ready");

        // The reconciler's work list: uploads not yet finished, least recently checked first.
        version.HasIndex(v => v.LastCheckedAt)
            .HasFilter("status = 'Uploading'")
            .HasDatabaseName("ix_file_versions_uploading");
    }
}

sealed class WorkspaceMemberConfiguration : IEntityTypeConfiguration<WorkspaceMember>
{
    public void Configure(EntityTypeBuilder<WorkspaceMember> member)
    {
        member.ToTable("workspace_members");
        member.HasKey(m => new { m.WorkspaceId, m.TenantId, m.UserId });
        member.Property(m => m.TenantId).HasMaxLength(128);
        member.Property(m => m.UserId).HasMaxLength(128);
        member.Property(m => m.Role).HasConversion(RoleNames.Converter).HasMaxLength(16);
        member.Property(m => m.Name).HasMaxLength(256);
        member.Property(m => m.Email).HasMaxLength(256);
        member.Property(m => m.GrantedById).HasMaxLength(128);
        member.HasOne<Workspace>().WithMany().HasForeignKey(m => m.WorkspaceId).OnDelete(DeleteBehavior.Cascade);

        // "Workspaces I have a role in" is one seek on this index.
        member.HasIndex(m => new { m.TenantId, m.UserId }).HasDatabaseName("ix_workspace_members_user");
    }
}

sealed class OrganizationAdminConfiguration : IEntityTypeConfiguration<OrganizationAdmin>
{
    public void Configure(EntityTypeBuilder<OrganizationAdmin> admin)
    {
        admin.ToTable("organization_admins");
        admin.HasKey(a => new { a.OrganizationId, a.TenantId, a.UserId });
        admin.Property(a => a.TenantId).HasMaxLength(128);
        admin.Property(a => a.UserId).HasMaxLength(128);
        admin.HasOne<Organization>().WithMany().HasForeignKey(a => a.OrganizationId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>Roles are stored and shown in lower case: "owner", "editor", "viewer".</summary>
public static class RoleNames
{
    public static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<WorkspaceRole, string> Converter =
        new(role => Format(role), text => Parse(text));

    public static string Format(WorkspaceRole role) => role.ToString().ToLowerInvariant();

    public static WorkspaceRole Parse(string text) => Enum.Parse<WorkspaceRole>(text, ignoreCase: true);

    public static bool TryParse(string? text, out WorkspaceRole role) =>
        Enum.TryParse(text, ignoreCase: true, out role) && Enum.IsDefined(role) && !int.TryParse(text, out _);
}

sealed class WebhookEndpointConfiguration : IEntityTypeConfiguration<WebhookEndpoint>
{
    public void Configure(EntityTypeBuilder<WebhookEndpoint> endpoint)
    {
        endpoint.ToTable("webhook_endpoints");
        endpoint.Property(e => e.Url).HasMaxLength(2048);
        endpoint.Property(e => e.Secret).HasMaxLength(128);
        endpoint.Property(e => e.PreviousSecret).HasMaxLength(128);
        endpoint.Property(e => e.CreatedById).HasMaxLength(128);
        endpoint.Property(e => e.LastError).HasMaxLength(1000);
        endpoint.HasOne<Workspace>().WithMany().HasForeignKey(e => e.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
        endpoint.HasIndex(e => e.WorkspaceId).HasDatabaseName("ix_webhook_endpoints_workspace");
    }
}

sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> delivery)
    {
        delivery.ToTable("webhook_deliveries");
        delivery.Property(d => d.EventType).HasMaxLength(64);
        delivery.Property(d => d.Subject).HasMaxLength(FilePathLimits.MaxPathLength + 1);
        delivery.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        delivery.Property(d => d.LastError).HasMaxLength(1000);
        delivery.Property(d => d.ClaimOwner).HasMaxLength(128);
        delivery.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(d => d.EndpointId).OnDelete(DeleteBehavior.Cascade);

        // The delivery worker's work list: pending deliveries, earliest due first.
        delivery.HasIndex(d => d.NextAttemptAt).HasFilter("status = 'Pending'").HasDatabaseName("ix_webhook_deliveries_due");
        // An endpoint's recent deliveries, newest first, for its owners.
        delivery.HasIndex(d => new { d.EndpointId, d.CreatedAt }).IsDescending(false, true).HasDatabaseName("ix_webhook_deliveries_endpoint");
    }
}

sealed class FileImportConfiguration : IEntityTypeConfiguration<FileImport>
{
    public void Configure(EntityTypeBuilder<FileImport> import)
    {
        import.ToTable("file_imports");
        import.HasKey(i => new { i.FileId, i.VersionId });
        import.Property(i => i.SourceUrl).HasMaxLength(8192);
        import.Property(i => i.LastError).HasMaxLength(1000);
        import.Property(i => i.ClaimOwner).HasMaxLength(128);
        import.HasOne<FileVersion>().WithOne().HasForeignKey<FileImport>(i => new { i.FileId, i.VersionId }).OnDelete(DeleteBehavior.Cascade);
        import.HasIndex(i => i.NextAttemptAt).HasDatabaseName("ix_file_imports_due");
    }
}
