using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FileApi.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class WorkspaceQuota : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "quota_bytes",
                table: "workspaces",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddCheckConstraint(
                name: "ck_workspaces_quota_bytes",
                table: "workspaces",
                sql: "quota_bytes >= 0");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_workspaces_quota_bytes",
                table: "workspaces");

            migrationBuilder.DropColumn(
                name: "quota_bytes",
                table: "workspaces");
        }
    }
}
