using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FileApi.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class VersionLifecycle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.RenameColumn(
                name: "verification_started_at",
                table: "file_versions",
                newName: "verification_claimed_at");

            migrationBuilder.AddColumn<string>(
                name: "failure_code",
                table: "file_versions",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "verification_owner",
                table: "file_versions",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "verification_token",
                table: "file_versions",
                type: "uuid",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "failure_code",
                table: "file_versions");

            migrationBuilder.DropColumn(
                name: "verification_owner",
                table: "file_versions");

            migrationBuilder.DropColumn(
                name: "verification_token",
                table: "file_versions");

            migrationBuilder.RenameColumn(
                name: "verification_claimed_at",
                table: "file_versions",
                newName: "verification_started_at");
        }
    }
}
