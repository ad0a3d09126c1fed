using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace FileApi.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "organizations",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    name = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_organizations", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "organization_admins",
                columns: table => new
                {
                    organization_id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    tenant_id = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    user_id = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    granted_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_organization_admins", x => new { x.organization_id, x.tenant_id, x.user_id });
                    table.ForeignKey(
                        name: "fk_organization_admins_organizations",
                        column: x => x.organization_id,
                        principalTable: "organizations",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "workspaces",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    organization_id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    name = table.Column<string>(type: "nvarchar(200)", maxLength: 200, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    quota_bytes = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_workspaces", x => x.id);
                    table.CheckConstraint("ck_workspaces_quota_bytes", "quota_bytes >= 0");
                    table.ForeignKey(
                        name: "fk_workspaces_organizations",
                        column: x => x.organization_id,
                        principalTable: "organizations",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "files",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    workspace_id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    folder = table.Column<string>(type: "nvarchar(1024)", maxLength: 1024, nullable: false),
                    name = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: false),
                    path_key = table.Column<string>(type: "varchar(1668)", unicode: false, maxLength: 1668, nullable: false, collation: "Latin1_General_100_BIN2_UTF8"),
                    folder_key = table.Column<string>(type: "varchar(1668)", unicode: false, maxLength: 1668, nullable: false, computedColumnSql: "LEFT(path_key, LEN(path_key + 'x') - CHARINDEX('/', REVERSE(path_key) + '/'))", stored: true),
                    latest_version_id = table.Column<long>(type: "bigint", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    created_by_id = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    created_by_name = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: true),
                    created_by_email = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: true),
                    deleted_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true),
                    deleted_by_id = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: true),
                    deleted_by_name = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: true),
                    deleted_by_email = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: true),
                    current_version_id = table.Column<long>(type: "bigint", nullable: true),
                    current_size = table.Column<long>(type: "bigint", nullable: true),
                    modified_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true),
                    name_key = table.Column<string>(type: "varchar(1668)", unicode: false, maxLength: 1668, nullable: false, computedColumnSql: "RIGHT(path_key, CHARINDEX('/', REVERSE(path_key) + '/') - 1)", stored: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_files", x => x.id);
                    table.ForeignKey(
                        name: "fk_files_workspaces",
                        column: x => x.workspace_id,
                        principalTable: "workspaces",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "webhook_endpoints",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    workspace_id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    url = table.Column<string>(type: "nvarchar(2048)", maxLength: 2048, nullable: false),
                    secret = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    previous_secret = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: true),
                    previous_secret_expires_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    created_by_id = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    last_attempt_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true),
                    last_status_code = table.Column<int>(type: "int", nullable: true),
                    last_error = table.Column<string>(type: "nvarchar(1000)", maxLength: 1000, nullable: true),
                    last_success_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_webhook_endpoints", x => x.id);
                    table.ForeignKey(
                        name: "fk_webhook_endpoints_workspaces",
                        column: x => x.workspace_id,
                        principalTable: "workspaces",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "workspace_members",
                columns: table => new
                {
                    workspace_id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    tenant_id = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    user_id = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    role = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    name = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: true),
                    email = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: true),
                    granted_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    granted_by_id = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_workspace_members", x => new { x.workspace_id, x.tenant_id, x.user_id });
                    table.ForeignKey(
                        name: "fk_workspace_members_workspaces",
                        column: x => x.workspace_id,
                        principalTable: "workspaces",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "workspace_usage",
                columns: table => new
                {
                    workspace_id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
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

            migrationBuilder.CreateTable(
                name: "file_versions",
                columns: table => new
                {
                    file_id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    version_id = table.Column<long>(type: "bigint", nullable: false),
                    status = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    created_by_id = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: false),
                    created_by_name = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: true),
                    created_by_email = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: true),
                    upload_expires_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    size = table.Column<long>(type: "bigint", nullable: true),
                    etag = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: true),
                    ready_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true),
                    failure_reason = table.Column<string>(type: "nvarchar(1000)", maxLength: 1000, nullable: true),
                    failure_code = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    declared_size = table.Column<long>(type: "bigint", nullable: true),
                    declared_md5 = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: true),
                    declared_sha256 = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    content_type = table.Column<string>(type: "nvarchar(255)", maxLength: 255, nullable: true),
                    metadata = table.Column<string>(type: "nvarchar(max)", nullable: true),
                    verified = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    blob_version_id = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: true),
                    seal_lease_id = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    verification_owner = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: true),
                    verification_token = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    verification_claimed_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true),
                    last_checked_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_file_versions", x => new { x.file_id, x.version_id });
                    table.ForeignKey(
                        name: "fk_file_versions_files",
                        column: x => x.file_id,
                        principalTable: "files",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "webhook_deliveries",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    endpoint_id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    event_id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    event_type = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    subject = table.Column<string>(type: "nvarchar(1025)", maxLength: 1025, nullable: false),
                    payload = table.Column<string>(type: "nvarchar(max)", nullable: false),
                    status = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    attempts = table.Column<int>(type: "int", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    next_attempt_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    last_attempt_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true),
                    last_status_code = table.Column<int>(type: "int", nullable: true),
                    last_error = table.Column<string>(type: "nvarchar(1000)", maxLength: 1000, nullable: true),
                    delivered_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true),
                    claim_owner = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: true),
                    claim_token = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    claimed_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_webhook_deliveries", x => x.id);
                    table.ForeignKey(
                        name: "fk_webhook_deliveries_webhook_endpoints",
                        column: x => x.endpoint_id,
                        principalTable: "webhook_endpoints",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "file_imports",
                columns: table => new
                {
                    file_id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    version_id = table.Column<long>(type: "bigint", nullable: false),
                    organization_id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    workspace_id = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    source_url = table.Column<string>(type: "nvarchar(max)", maxLength: 8192, nullable: false),
                    size = table.Column<long>(type: "bigint", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    attempts = table.Column<int>(type: "int", nullable: false),
                    next_attempt_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false),
                    last_error = table.Column<string>(type: "nvarchar(1000)", maxLength: 1000, nullable: true),
                    claim_owner = table.Column<string>(type: "nvarchar(128)", maxLength: 128, nullable: true),
                    claim_token = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    claimed_at = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_file_imports", x => new { x.file_id, x.version_id });
                    table.ForeignKey(
                        name: "fk_file_imports_file_versions",
                        columns: x => new { x.file_id, x.version_id },
                        principalTable: "file_versions",
                        principalColumns: new[] { "file_id", "version_id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_file_imports_due",
                table: "file_imports",
                column: "next_attempt_at");

            migrationBuilder.CreateIndex(
                name: "ix_file_versions_ready",
                table: "file_versions",
                columns: new[] { "file_id", "version_id" },
                descending: new[] { false, true },
                filter: "status = 'Ready'");

            migrationBuilder.CreateIndex(
                name: "ix_file_versions_uploading",
                table: "file_versions",
                column: "last_checked_at",
                filter: "status = 'Uploading'");

            migrationBuilder.CreateIndex(
                name: "ix_files_deleted",
                table: "files",
                columns: new[] { "workspace_id", "deleted_at", "id" },
                filter: "deleted_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_files_folder",
                table: "files",
                columns: new[] { "workspace_id", "folder_key", "name_key", "id" })
                .Annotation("SqlServer:Include", new[] { "deleted_at", "current_version_id" });

            migrationBuilder.CreateIndex(
                name: "ix_files_live_created",
                table: "files",
                columns: new[] { "workspace_id", "created_at", "id" },
                filter: "deleted_at IS NULL AND current_version_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_files_live_modified",
                table: "files",
                columns: new[] { "workspace_id", "modified_at", "id" },
                filter: "deleted_at IS NULL AND current_version_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ux_files_live_path",
                table: "files",
                columns: new[] { "workspace_id", "path_key" },
                unique: true,
                filter: "deleted_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_webhook_deliveries_due",
                table: "webhook_deliveries",
                column: "next_attempt_at",
                filter: "status = 'Pending'");

            migrationBuilder.CreateIndex(
                name: "ix_webhook_deliveries_endpoint",
                table: "webhook_deliveries",
                columns: new[] { "endpoint_id", "created_at" },
                descending: new[] { false, true });

            migrationBuilder.CreateIndex(
                name: "ix_webhook_endpoints_workspace",
                table: "webhook_endpoints",
                column: "workspace_id");

            migrationBuilder.CreateIndex(
                name: "ix_workspace_members_user",
                table: "workspace_members",
                columns: new[] { "tenant_id", "user_id" });

            migrationBuilder.CreateIndex(
                name: "ix_workspaces_organization_id",
                table: "workspaces",
                column: "organization_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "file_imports");

            migrationBuilder.DropTable(
                name: "organization_admins");

            migrationBuilder.DropTable(
                name: "webhook_deliveries");

            migrationBuilder.DropTable(
                name: "workspace_members");

            migrationBuilder.DropTable(
                name: "workspace_usage");

            migrationBuilder.DropTable(
                name: "file_versions");

            migrationBuilder.DropTable(
                name: "webhook_endpoints");

            migrationBuilder.DropTable(
                name: "files");

            migrationBuilder.DropTable(
                name: "workspaces");

            migrationBuilder.DropTable(
                name: "organizations");
        }
    }
}
