using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FileApi.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class ListingOrderIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_files_live_name",
                table: "files",
                columns: new[] { "workspace_id", "name", "id" },
                filter: "deleted_at IS NULL AND current_version_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_files_live_path_order",
                table: "files",
                columns: new[] { "workspace_id", "path_key", "id" },
                filter: "deleted_at IS NULL AND current_version_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_files_live_size",
                table: "files",
                columns: new[] { "workspace_id", "current_size", "id" },
                filter: "deleted_at IS NULL AND current_version_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_files_live_name",
                table: "files");

            migrationBuilder.DropIndex(
                name: "ix_files_live_path_order",
                table: "files");

            migrationBuilder.DropIndex(
                name: "ix_files_live_size",
                table: "files");
        }
    }
}
