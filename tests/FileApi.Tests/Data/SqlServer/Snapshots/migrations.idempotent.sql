IF OBJECT_ID(N'[__EFMigrationsHistory]') IS NULL
BEGIN
    CREATE TABLE [__EFMigrationsHistory] (
        [MigrationId] nvarchar(150) NOT NULL,
        [ProductVersion] nvarchar(32) NOT NULL,
        CONSTRAINT [PK___EFMigrationsHistory] PRIMARY KEY ([MigrationId])
    );
END;
GO

BEGIN TRANSACTION;
IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    CREATE TABLE [organizations] (
        [id] uniqueidentifier NOT NULL,
        [name] nvarchar(200) NOT NULL,
        [created_at] datetimeoffset NOT NULL,
        CONSTRAINT [pk_organizations] PRIMARY KEY ([id])
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    CREATE TABLE [organization_admins] (
        [organization_id] uniqueidentifier NOT NULL,
        [tenant_id] nvarchar(128) NOT NULL,
        [user_id] nvarchar(128) NOT NULL,
        [granted_at] datetimeoffset NOT NULL,
        CONSTRAINT [pk_organization_admins] PRIMARY KEY ([organization_id], [tenant_id], [user_id]),
        CONSTRAINT [fk_organization_admins_organizations] FOREIGN KEY ([organization_id]) REFERENCES [organizations] ([id]) ON DELETE CASCADE
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    CREATE TABLE [workspaces] (
        [id] uniqueidentifier NOT NULL,
        [organization_id] uniqueidentifier NOT NULL,
        [name] nvarchar(200) NOT NULL,
        [created_at] datetimeoffset NOT NULL,
        [quota_bytes] bigint NULL,
        CONSTRAINT [pk_workspaces] PRIMARY KEY ([id]),
        CONSTRAINT [ck_workspaces_quota_bytes] CHECK (quota_bytes >= 0),
        CONSTRAINT [fk_workspaces_organizations] FOREIGN KEY ([organization_id]) REFERENCES [organizations] ([id]) ON DELETE NO ACTION
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    CREATE TABLE [files] (
        [id] uniqueidentifier NOT NULL,
        [workspace_id] uniqueidentifier NOT NULL,
        [folder] nvarchar(1024) NOT NULL,
        [name] nvarchar(255) NOT NULL,
        [path_key] varchar(1668) COLLATE Latin1_General_100_BIN2_UTF8 NOT NULL,
        [folder_key] AS LEFT(path_key, LEN(path_key + 'x') - CHARINDEX('/', REVERSE(path_key) + '/')) PERSISTED,
        [latest_version_id] bigint NOT NULL,
        [created_at] datetimeoffset NOT NULL,
        [created_by_id] nvarchar(128) NOT NULL,
        [created_by_name] nvarchar(256) NULL,
        [created_by_email] nvarchar(256) NULL,
        [deleted_at] datetimeoffset NULL,
        [deleted_by_id] nvarchar(128) NULL,
        [deleted_by_name] nvarchar(256) NULL,
        [deleted_by_email] nvarchar(256) NULL,
        [current_version_id] bigint NULL,
        [current_size] bigint NULL,
        [modified_at] datetimeoffset NULL,
        [name_key] AS RIGHT(path_key, CHARINDEX('/', REVERSE(path_key) + '/') - 1) PERSISTED,
        CONSTRAINT [pk_files] PRIMARY KEY ([id]),
        CONSTRAINT [fk_files_workspaces] FOREIGN KEY ([workspace_id]) REFERENCES [workspaces] ([id]) ON DELETE NO ACTION
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    CREATE TABLE [webhook_endpoints] (
        [id] uniqueidentifier NOT NULL,
        [workspace_id] uniqueidentifier NOT NULL,
        [url] nvarchar(2048) NOT NULL,
        [secret] nvarchar(128) NOT NULL,
        [previous_secret] nvarchar(128) NULL,
        [previous_secret_expires_at] datetimeoffset NULL,
        [created_at] datetimeoffset NOT NULL,
        [created_by_id] nvarchar(128) NOT NULL,
        [last_attempt_at] datetimeoffset NULL,
        [last_status_code] int NULL,
        [last_error] nvarchar(1000) NULL,
        [last_success_at] datetimeoffset NULL,
        CONSTRAINT [pk_webhook_endpoints] PRIMARY KEY ([id]),
        CONSTRAINT [fk_webhook_endpoints_workspaces] FOREIGN KEY ([workspace_id]) REFERENCES [workspaces] ([id]) ON DELETE CASCADE
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    CREATE TABLE [workspace_members] (
        [workspace_id] uniqueidentifier NOT NULL,
        [tenant_id] nvarchar(128) NOT NULL,
        [user_id] nvarchar(128) NOT NULL,
        [role] nvarchar(16) NOT NULL,
        [name] nvarchar(256) NULL,
        [email] nvarchar(256) NULL,
        [granted_at] datetimeoffset NOT NULL,
        [granted_by_id] nvarchar(128) NOT NULL,
        CONSTRAINT [pk_workspace_members] PRIMARY KEY ([workspace_id], [tenant_id], [user_id]),
        CONSTRAINT [fk_workspace_members_workspaces] FOREIGN KEY ([workspace_id]) REFERENCES [workspaces] ([id]) ON DELETE CASCADE
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    CREATE TABLE [workspace_usage] (
        [workspace_id] uniqueidentifier NOT NULL,
        [files] bigint NOT NULL,
        [bytes] bigint NOT NULL,
        CONSTRAINT [pk_workspace_usage] PRIMARY KEY ([workspace_id]),
        CONSTRAINT [fk_workspace_usage_workspaces] FOREIGN KEY ([workspace_id]) REFERENCES [workspaces] ([id]) ON DELETE CASCADE
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    CREATE TABLE [file_versions] (
        [file_id] uniqueidentifier NOT NULL,
        [version_id] bigint NOT NULL,
        [status] nvarchar(16) NOT NULL,
        [created_at] datetimeoffset NOT NULL,
        [created_by_id] nvarchar(128) NOT NULL,
        [created_by_name] nvarchar(256) NULL,
        [created_by_email] nvarchar(256) NULL,
        [upload_expires_at] datetimeoffset NOT NULL,
        [size] bigint NULL,
        [etag] nvarchar(128) NULL,
        [ready_at] datetimeoffset NULL,
        [failure_reason] nvarchar(1000) NULL,
        [failure_code] nvarchar(32) NULL,
        [declared_size] bigint NULL,
        [declared_md5] nvarchar(32) NULL,
        [declared_sha256] nvarchar(64) NULL,
        [content_type] nvarchar(255) NULL,
        [metadata] nvarchar(max) NULL,
        [verified] nvarchar(64) NULL,
        [blob_version_id] nvarchar(64) NULL,
        [seal_lease_id] uniqueidentifier NULL,
        [verification_owner] nvarchar(128) NULL,
        [verification_token] uniqueidentifier NULL,
        [verification_claimed_at] datetimeoffset NULL,
        [last_checked_at] datetimeoffset NULL,
        CONSTRAINT [pk_file_versions] PRIMARY KEY ([file_id], [version_id]),
        CONSTRAINT [fk_file_versions_files] FOREIGN KEY ([file_id]) REFERENCES [files] ([id]) ON DELETE CASCADE
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    CREATE TABLE [webhook_deliveries] (
        [id] uniqueidentifier NOT NULL,
        [endpoint_id] uniqueidentifier NOT NULL,
        [event_id] uniqueidentifier NOT NULL,
        [event_type] nvarchar(64) NOT NULL,
        [subject] nvarchar(1025) NOT NULL,
        [payload] nvarchar(max) NOT NULL,
        [status] nvarchar(16) NOT NULL,
        [attempts] int NOT NULL,
        [created_at] datetimeoffset NOT NULL,
        [next_attempt_at] datetimeoffset NOT NULL,
        [last_attempt_at] datetimeoffset NULL,
        [last_status_code] int NULL,
        [last_error] nvarchar(1000) NULL,
        [delivered_at] datetimeoffset NULL,
        [claim_owner] nvarchar(128) NULL,
        [claim_token] uniqueidentifier NULL,
        [claimed_at] datetimeoffset NULL,
        CONSTRAINT [pk_webhook_deliveries] PRIMARY KEY ([id]),
        CONSTRAINT [fk_webhook_deliveries_webhook_endpoints] FOREIGN KEY ([endpoint_id]) REFERENCES [webhook_endpoints] ([id]) ON DELETE CASCADE
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    CREATE TABLE [file_imports] (
        [file_id] uniqueidentifier NOT NULL,
        [version_id] bigint NOT NULL,
        [organization_id] uniqueidentifier NOT NULL,
        [workspace_id] uniqueidentifier NOT NULL,
        [source_url] nvarchar(max) NOT NULL,
        [size] bigint NULL,
        [created_at] datetimeoffset NOT NULL,
        [attempts] int NOT NULL,
        [next_attempt_at] datetimeoffset NOT NULL,
        [last_error] nvarchar(1000) NULL,
        [claim_owner] nvarchar(128) NULL,
        [claim_token] uniqueidentifier NULL,
        [claimed_at] datetimeoffset NULL,
        CONSTRAINT [pk_file_imports] PRIMARY KEY ([file_id], [version_id]),
        CONSTRAINT [fk_file_imports_file_versions] FOREIGN KEY ([file_id], [version_id]) REFERENCES [file_versions] ([file_id], [version_id]) ON DELETE CASCADE
    );
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    CREATE INDEX [ix_file_imports_due] ON [file_imports] ([next_attempt_at]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    EXEC(N'CREATE INDEX [ix_file_versions_ready] ON [file_versions] ([file_id], [version_id] DESC) WHERE status = ''Ready''');
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    EXEC(N'CREATE INDEX [ix_file_versions_uploading] ON [file_versions] ([last_checked_at]) WHERE status = ''Uploading''');
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    EXEC(N'CREATE INDEX [ix_files_deleted] ON [files] ([workspace_id], [deleted_at], [id]) WHERE deleted_at IS NOT NULL');
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    CREATE INDEX [ix_files_folder] ON [files] ([workspace_id], [folder_key], [name_key], [id]) INCLUDE ([deleted_at], [current_version_id]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    EXEC(N'CREATE INDEX [ix_files_live_created] ON [files] ([workspace_id], [created_at], [id]) WHERE deleted_at IS NULL AND current_version_id IS NOT NULL');
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    EXEC(N'CREATE INDEX [ix_files_live_modified] ON [files] ([workspace_id], [modified_at], [id]) WHERE deleted_at IS NULL AND current_version_id IS NOT NULL');
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    EXEC(N'CREATE UNIQUE INDEX [ux_files_live_path] ON [files] ([workspace_id], [path_key]) WHERE deleted_at IS NULL');
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    EXEC(N'CREATE INDEX [ix_webhook_deliveries_due] ON [webhook_deliveries] ([next_attempt_at]) WHERE status = ''Pending''');
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    CREATE INDEX [ix_webhook_deliveries_endpoint] ON [webhook_deliveries] ([endpoint_id], [created_at] DESC);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    CREATE INDEX [ix_webhook_endpoints_workspace] ON [webhook_endpoints] ([workspace_id]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    CREATE INDEX [ix_workspace_members_user] ON [workspace_members] ([tenant_id], [user_id]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    CREATE INDEX [ix_workspaces_organization_id] ON [workspaces] ([organization_id]);
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201164730_Initial'
)
BEGIN
    INSERT INTO [__EFMigrationsHistory] ([MigrationId], [ProductVersion])
    VALUES (N'20261201164730_Initial', N'10.0.15');
END;

COMMIT;
GO

BEGIN TRANSACTION;
IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201184748_ListingOrderIndexes'
)
BEGIN
    EXEC(N'CREATE INDEX [ix_files_live_name] ON [files] ([workspace_id], [name], [id]) WHERE deleted_at IS NULL AND current_version_id IS NOT NULL');
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201184748_ListingOrderIndexes'
)
BEGIN
    EXEC(N'CREATE INDEX [ix_files_live_path_order] ON [files] ([workspace_id], [path_key], [id]) WHERE deleted_at IS NULL AND current_version_id IS NOT NULL');
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201184748_ListingOrderIndexes'
)
BEGIN
    EXEC(N'CREATE INDEX [ix_files_live_size] ON [files] ([workspace_id], [current_size], [id]) WHERE deleted_at IS NULL AND current_version_id IS NOT NULL');
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201184748_ListingOrderIndexes'
)
BEGIN
    INSERT INTO [__EFMigrationsHistory] ([MigrationId], [ProductVersion])
    VALUES (N'20261201184748_ListingOrderIndexes', N'10.0.15');
END;

COMMIT;
GO

BEGIN TRANSACTION;
IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201213906_StorageEventReportedBlobs'
)
BEGIN
    ALTER TABLE [file_versions] ADD [blob_reported_at] datetimeoffset NULL;
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261201213906_StorageEventReportedBlobs'
)
BEGIN
    INSERT INTO [__EFMigrationsHistory] ([MigrationId], [ProductVersion])
    VALUES (N'20261201213906_StorageEventReportedBlobs', N'10.0.15');
END;

COMMIT;
GO

BEGIN TRANSACTION;
IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261202003050_PinReadsToBlobSnapshot'
)
BEGIN
    ALTER TABLE [file_versions] ADD [blob_snapshot] nvarchar(64) NULL;
END;

IF NOT EXISTS (
    SELECT * FROM [__EFMigrationsHistory]
    WHERE [MigrationId] = N'20261202003050_PinReadsToBlobSnapshot'
)
BEGIN
    INSERT INTO [__EFMigrationsHistory] ([MigrationId], [ProductVersion])
    VALUES (N'20261202003050_PinReadsToBlobSnapshot', N'10.0.15');
END;

COMMIT;
GO

