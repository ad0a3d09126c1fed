using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FileApi.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class VersionMetadata : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "content_type",
                table: "file_versions",
                type: "character varying(255)",
                maxLength: 255,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "metadata",
                table: "file_versions",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "folder_key",
                table: "files",
                type: "character varying(1024)",
                maxLength: 1024,
                nullable: false,
                computedColumnSql: "regexp_replace(path_key, '[^/]*$', '')",
                stored: true,
                collation: "C");

            migrationBuilder.CreateIndex(
                name: "ix_files_live_folder",
                table: "files",
                columns: new[] { "workspace_id", "folder_key", "path_key", "id" },
                filter: "deleted_at IS NULL AND current_version_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_files_live_folder",
                table: "files");

            migrationBuilder.DropColumn(
                name: "folder_key",
                table: "files");

            migrationBuilder.DropColumn(
                name: "content_type",
                table: "file_versions");

            migrationBuilder.DropColumn(
                name: "metadata",
                table: "file_versions");
        }
    }
}
