using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FileApi.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class StorageEventReportedBlobs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "blob_reported_at",
                table: "file_versions",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "blob_reported_at",
                table: "file_versions");
        }
    }
}
