using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FileApi.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class PerfWorkspaceUsage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "workspace_usage",
                columns: table => new
                {
                    workspace_id = table.Column<Guid>(type: "uuid", nullable: false),
                    files = table.Column<long>(type: "bigint", nullable: false),
                    bytes = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_workspace_usage", x => x.workspace_id);
                    table.ForeignKey(
                        name: "fk_workspace_usage_workspaces",
                        column: x => x.workspace_id,
                        principalTable: "workspaces",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            // Existing workspaces start from what they hold; from here on the write paths keep the row exact.
            migrationBuilder.Sql("""
                INSERT INTO workspace_usage (workspace_id, files, bytes)
                SELECT f.workspace_id,
                       count(*) FILTER (WHERE f.current_version_id IS NOT NULL),
                       COALESCE((SELECT sum(v.size) FROM file_versions v JOIN files g ON g.id = v.file_id
                                  WHERE g.workspace_id = f.workspace_id AND g.deleted_at IS NULL AND v.status = 'Ready'), 0)
                  FROM files f
                 WHERE f.deleted_at IS NULL
                 GROUP BY f.workspace_id
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "workspace_usage");
        }
    }
}
