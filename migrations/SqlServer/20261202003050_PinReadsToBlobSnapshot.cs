using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FileApi.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class PinReadsToBlobSnapshot : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "blob_snapshot",
                table: "file_versions",
                type: "nvarchar(64)",
                maxLength: 64,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "blob_snapshot",
                table: "file_versions");
        }
    }
}
