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
        workspace.ToTable("workspaces");
        workspace.Property(w => w.Name).HasMaxLength(200);
        workspace.HasOne<Organization>().WithMany().HasForeignKey(w => w.OrganizationId).OnDelete(DeleteBehavior.Restrict);
    }
}

sealed class StoredFileConfiguration : IEntityTypeConfiguration<StoredFile>
{
    public void Configure(EntityTypeBuilder<StoredFile> file)
    {
        file.ToTable("files");
        file.Property(f => f.Folder).HasMaxLength(FilePathLimits.MaxPathLength);
        file.Property(f => f.Name).HasMaxLength(FilePathLimits.MaxSegmentLength);
        file.Property(f => f.PathKey).HasMaxLength(FilePathLimits.MaxPathLength);
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
        version.HasOne<StoredFile>().WithMany().HasForeignKey(v => v.FileId).OnDelete(DeleteBehavior.Cascade);

        // "Latest ready version of a file" is one backward seek on this index.
        version.HasIndex(v => new { v.FileId, v.VersionId })
            .IsDescending(false, true)
            .HasFilter("status = 'Ready'")
            .HasDatabaseName("ix_file_versions_ready");
    }
}
