-- createOrganization: an organisation and its admin (answers 201)
-- @p0 uniqueidentifier
-- @p1 datetimeoffset
-- @p2 nvarchar(200)
-- @p3 uniqueidentifier
-- @p4 nvarchar(128)
-- @p5 nvarchar(128)
-- @p6 datetimeoffset
SET NOCOUNT ON;
INSERT INTO [organizations] ([id], [created_at], [name])
VALUES (@p0, @p1, @p2);
INSERT INTO [organization_admins] ([organization_id], [tenant_id], [user_id], [granted_at])
VALUES (@p3, @p4, @p5, @p6);

-- listMyWorkspaces: across organisations (answers 200)
-- @tenantId nvarchar(128)
-- @caller_Id nvarchar(128)
SELECT [w0].[id], [w0].[created_at], [w0].[name], [w0].[organization_id], [w0].[quota_bytes], [w].[role] AS [Role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[tenant_id] = @tenantId AND [w].[user_id] = @caller_Id
ORDER BY [w0].[name], [w0].[id]

-- listMyWorkspacesInOrganization: in one organisation (answers 200)
-- @tenantId nvarchar(128)
-- @caller_Id nvarchar(128)
-- @organizationId uniqueidentifier
SELECT [w0].[id], [w0].[created_at], [w0].[name], [w0].[organization_id], [w0].[quota_bytes], [w].[role] AS [Role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[tenant_id] = @tenantId AND [w].[user_id] = @caller_Id AND [w0].[organization_id] = @organizationId
ORDER BY [w0].[name], [w0].[id]

-- createWorkspace: as an organisation admin (answers 201)
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @caller_Id nvarchar(128)
SELECT CASE
    WHEN EXISTS (
        SELECT 1
        FROM [organization_admins] AS [o]
        WHERE [o].[organization_id] = @organizationId AND [o].[tenant_id] = @tenantId AND [o].[user_id] = @caller_Id) THEN CAST(1 AS bit)
    ELSE CAST(0 AS bit)
END

-- @p0 uniqueidentifier
-- @p1 datetimeoffset
-- @p2 nvarchar(200)
-- @p3 uniqueidentifier
-- @p4 bigint
-- @p5 nvarchar(128)
-- @p6 nvarchar(128)
-- @p7 uniqueidentifier
-- @p8 nvarchar(256)
-- @p9 datetimeoffset
-- @p10 nvarchar(128)
-- @p11 nvarchar(256)
-- @p12 nvarchar(16)
SET NOCOUNT ON;
INSERT INTO [workspaces] ([id], [created_at], [name], [organization_id], [quota_bytes])
VALUES (@p0, @p1, @p2, @p3, @p4);
INSERT INTO [workspace_members] ([tenant_id], [user_id], [workspace_id], [email], [granted_at], [granted_by_id], [name], [role])
VALUES (@p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12);

-- createWorkspace: as someone who is no admin (answers 404)
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @caller_Id nvarchar(128)
SELECT CASE
    WHEN EXISTS (
        SELECT 1
        FROM [organization_admins] AS [o]
        WHERE [o].[organization_id] = @organizationId AND [o].[tenant_id] = @tenantId AND [o].[user_id] = @caller_Id) THEN CAST(1 AS bit)
    ELSE CAST(0 AS bit)
END

-- @organizationId uniqueidentifier
SELECT CASE
    WHEN EXISTS (
        SELECT 1
        FROM [organizations] AS [o]
        WHERE [o].[id] = @organizationId) THEN CAST(1 AS bit)
    ELSE CAST(0 AS bit)
END

-- getWorkspace: with its usage (answers 200)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @scope_WorkspaceId uniqueidentifier
SELECT TOP(2) [w].[id], [w].[created_at], [w].[name], [w].[organization_id], [w].[quota_bytes], [w0].[files] AS [Files], [w0].[bytes] AS [Bytes]
FROM [workspaces] AS [w]
LEFT JOIN [workspace_usage] AS [w0] ON [w].[id] = [w0].[workspace_id]
WHERE [w].[id] = @scope_WorkspaceId

-- listWorkspaceMembers: every role (answers 200)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @scope_WorkspaceId uniqueidentifier
SELECT [w].[workspace_id], [w].[tenant_id], [w].[user_id], [w].[email], [w].[granted_at], [w].[granted_by_id], [w].[name], [w].[role]
FROM [workspace_members] AS [w]
WHERE [w].[workspace_id] = @scope_WorkspaceId
ORDER BY [w].[name], [w].[user_id]

-- grantWorkspaceRole: to someone new (answers 200)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @scope_WorkspaceId uniqueidentifier
UPDATE [w]
SET [w].[name] = [w].[name]
FROM [workspaces] AS [w]
WHERE [w].[id] = @scope_WorkspaceId

-- @scope_WorkspaceId uniqueidentifier
-- @tenantId nvarchar(128)
-- @caller_Id nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
WHERE [w].[workspace_id] = @scope_WorkspaceId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @caller_Id

-- @p uniqueidentifier
-- @p1 nvarchar(128)
-- @p2 nvarchar(128)
SELECT TOP(1) [w].[workspace_id], [w].[tenant_id], [w].[user_id], [w].[email], [w].[granted_at], [w].[granted_by_id], [w].[name], [w].[role]
FROM [workspace_members] AS [w]
WHERE [w].[workspace_id] = @p AND [w].[tenant_id] = @p1 AND [w].[user_id] = @p2

-- @p0 nvarchar(128)
-- @p1 nvarchar(128)
-- @p2 uniqueidentifier
-- @p3 nvarchar(256)
-- @p4 datetimeoffset
-- @p5 nvarchar(128)
-- @p6 nvarchar(256)
-- @p7 nvarchar(16)
SET IMPLICIT_TRANSACTIONS OFF;
SET NOCOUNT ON;
INSERT INTO [workspace_members] ([tenant_id], [user_id], [workspace_id], [email], [granted_at], [granted_by_id], [name], [role])
VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7);

-- grantWorkspaceRole: demoting the last owner (answers 409)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @scope_WorkspaceId uniqueidentifier
UPDATE [w]
SET [w].[name] = [w].[name]
FROM [workspaces] AS [w]
WHERE [w].[id] = @scope_WorkspaceId

-- @scope_WorkspaceId uniqueidentifier
-- @tenantId nvarchar(128)
-- @caller_Id nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
WHERE [w].[workspace_id] = @scope_WorkspaceId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @caller_Id

-- @p uniqueidentifier
-- @p1 nvarchar(128)
-- @p2 nvarchar(128)
SELECT TOP(1) [w].[workspace_id], [w].[tenant_id], [w].[user_id], [w].[email], [w].[granted_at], [w].[granted_by_id], [w].[name], [w].[role]
FROM [workspace_members] AS [w]
WHERE [w].[workspace_id] = @p AND [w].[tenant_id] = @p1 AND [w].[user_id] = @p2

-- @workspaceId uniqueidentifier
SELECT COUNT(*)
FROM [workspace_members] AS [w]
WHERE [w].[workspace_id] = @workspaceId AND [w].[role] = N'owner'

-- revokeWorkspaceRole: an editor's role (answers 204)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @scope_WorkspaceId uniqueidentifier
UPDATE [w]
SET [w].[name] = [w].[name]
FROM [workspaces] AS [w]
WHERE [w].[id] = @scope_WorkspaceId

-- @scope_WorkspaceId uniqueidentifier
-- @tenantId nvarchar(128)
-- @caller_Id nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
WHERE [w].[workspace_id] = @scope_WorkspaceId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @caller_Id

-- @p uniqueidentifier
-- @p1 nvarchar(128)
-- @p2 nvarchar(128)
SELECT TOP(1) [w].[workspace_id], [w].[tenant_id], [w].[user_id], [w].[email], [w].[granted_at], [w].[granted_by_id], [w].[name], [w].[role]
FROM [workspace_members] AS [w]
WHERE [w].[workspace_id] = @p AND [w].[tenant_id] = @p1 AND [w].[user_id] = @p2

-- @p0 nvarchar(128)
-- @p1 nvarchar(128)
-- @p2 uniqueidentifier
SET IMPLICIT_TRANSACTIONS OFF;
SET NOCOUNT ON;
DELETE FROM [workspace_members]
OUTPUT 1
WHERE [tenant_id] = @p0 AND [user_id] = @p1 AND [workspace_id] = @p2;

-- setWorkspaceQuota: as an organisation admin (answers 200)
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @caller_Id nvarchar(128)
SELECT CASE
    WHEN EXISTS (
        SELECT 1
        FROM [organization_admins] AS [o]
        WHERE [o].[organization_id] = @organizationId AND [o].[tenant_id] = @tenantId AND [o].[user_id] = @caller_Id) THEN CAST(1 AS bit)
    ELSE CAST(0 AS bit)
END

-- @p bigint
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
UPDATE [w]
SET [w].[quota_bytes] = @p
FROM [workspaces] AS [w]
WHERE [w].[id] = @workspaceId AND [w].[organization_id] = @organizationId

-- @workspaceId uniqueidentifier
SELECT TOP(1) [w].[files], [w].[bytes]
FROM [workspace_usage] AS [w]
WHERE [w].[workspace_id] = @workspaceId

-- setWorkspaceQuota: as a workspace owner who is no admin (answers 403)
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @caller_Id nvarchar(128)
SELECT CASE
    WHEN EXISTS (
        SELECT 1
        FROM [organization_admins] AS [o]
        WHERE [o].[organization_id] = @organizationId AND [o].[tenant_id] = @tenantId AND [o].[user_id] = @caller_Id) THEN CAST(1 AS bit)
    ELSE CAST(0 AS bit)
END

-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @caller_Id nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @caller_Id

-- listFiles: the first page (answers 200)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @p int
-- @workspaceId uniqueidentifier
SELECT [f1].[id], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[current_size], [f1].[current_version_id], [f1].[deleted_at], [f1].[deleted_by_email], [f1].[deleted_by_id], [f1].[deleted_by_name], [f1].[folder], [f1].[folder_key], [f1].[latest_version_id], [f1].[modified_at], [f1].[name], [f1].[name_key], [f1].[path_key], [f1].[workspace_id], [f0].[etag], [f0].[created_by_id], [f0].[created_by_name], [f0].[created_by_email], [f0].[content_type], [f0].[metadata]
FROM (
    SELECT TOP(@p) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
    FROM [files] AS [f]
    WHERE [f].[workspace_id] = @workspaceId AND [f].[current_version_id] IS NOT NULL AND [f].[deleted_at] IS NULL
    ORDER BY [f].[path_key], [f].[id]
) AS [f1]
INNER JOIN [file_versions] AS [f0] ON [f1].[id] = [f0].[file_id] AND [f1].[current_version_id] = [f0].[version_id]
ORDER BY [f1].[path_key], [f1].[id]

-- @scope_WorkspaceId uniqueidentifier
SELECT TOP(1) [w].[files]
FROM [workspace_usage] AS [w]
WHERE [w].[workspace_id] = @scope_WorkspaceId

-- listFiles: the folder view (answers 500)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @workspace uniqueidentifier
-- @prefix varchar(1668)
-- @folder_to varchar(1668)
-- @from varchar(1668)
-- @take bigint
SET NOCOUNT ON;
DECLARE @subfolders TABLE (n bigint NOT NULL PRIMARY KEY, folder_key varchar(1668) COLLATE Latin1_General_100_BIN2_UTF8 NOT NULL, folder nvarchar(1024) NOT NULL);
DECLARE @n bigint = 0, @next varchar(1668) = @from, @key varchar(1668), @folder nvarchar(1024);
WHILE @n < @take
BEGIN
    SET @key = NULL;
    SELECT TOP (1) @key = f.folder_key, @folder = f.folder
      FROM files AS f
     WHERE f.workspace_id = @workspace AND f.deleted_at IS NULL AND f.current_version_id IS NOT NULL AND f.folder_key > @prefix AND f.folder_key < @folder_to AND f.folder_key >= @next
     ORDER BY f.folder_key;
    IF @key IS NULL BREAK;
    SET @n += 1;
    INSERT INTO @subfolders (n, folder_key, folder) VALUES (@n, @key, @folder);
    -- Past every key of this subfolder: its first segment below the prefix, then '0', which follows '/'.
    SET @next = LEFT(@key, CHARINDEX('/', @key, LEN(@prefix) + 1) - 1) + '0';
END;
SELECT COUNT_BIG(*) AS [Value] FROM @subfolders;

-- @folder_WorkspaceId uniqueidentifier
-- @folder_Prefix varchar(1668)
SELECT COUNT_BIG(*)
FROM [files] AS [f]
WHERE [f].[workspace_id] = @folder_WorkspaceId AND [f].[deleted_at] IS NULL AND [f].[current_version_id] IS NOT NULL AND [f].[folder_key] = @folder_Prefix

-- registerFileVersionByPath: a new file (answers 200)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @workspaceId uniqueidentifier
SELECT TOP(1) [w].[quota_bytes] AS [Quota], [w0].[bytes] AS [Bytes]
FROM [workspaces] AS [w]
LEFT JOIN [workspace_usage] AS [w0] ON [w].[id] = [w0].[workspace_id]
WHERE [w].[id] = @workspaceId AND [w].[quota_bytes] IS NOT NULL

-- @workspace_id uniqueidentifier
-- @candidate bigint
-- @step bigint
-- @caller_id nvarchar(36)
-- @caller_name nvarchar(5)
-- @caller_email nvarchar(17)
-- @upload_expires_at datetimeoffset
-- @declared_size bigint
-- @declared_md5 nvarchar
-- @declared_sha256 nvarchar
-- @content_type nvarchar
-- @metadata nvarchar(-1)
-- @seal_lease_id uniqueidentifier
-- @r0 nvarchar(77)
-- @rx nvarchar(77)
-- @a0 varchar(1668)
-- @under_from varchar(1669)
-- @under_to varchar(1669)
-- @id uniqueidentifier
-- @folder nvarchar(9)
-- @name nvarchar(5)
-- @path_key varchar(1668)
-- @now datetimeoffset
SET NOCOUNT ON;
DECLARE @result int;
EXEC @result = sp_getapplock @Resource = @r0, @LockMode = 'Shared', @LockOwner = 'Transaction';
IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;
EXEC @result = sp_getapplock @Resource = @rx, @LockMode = 'Exclusive', @LockOwner = 'Transaction';
IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;
DECLARE @allocated TABLE (id uniqueidentifier, latest_version_id bigint);
IF NOT EXISTS (SELECT 1 FROM files WHERE workspace_id = @workspace_id AND deleted_at IS NULL
                  AND (path_key IN (@a0) OR (path_key >= @under_from AND path_key < @under_to)))
    MERGE files WITH (HOLDLOCK) AS f
    USING (SELECT @workspace_id AS workspace_id, @path_key AS path_key) AS s
       ON f.workspace_id = s.workspace_id AND f.path_key = s.path_key AND f.deleted_at IS NULL
    WHEN MATCHED THEN
        UPDATE SET latest_version_id = CASE WHEN @candidate > f.latest_version_id + @step THEN @candidate ELSE f.latest_version_id + @step END
    WHEN NOT MATCHED THEN
        INSERT (id, workspace_id, folder, name, path_key, latest_version_id, created_at, created_by_id, created_by_name, created_by_email)
        VALUES (@id, @workspace_id, @folder, @name, @path_key, @candidate, @now, @caller_id, @caller_name, @caller_email)
    OUTPUT inserted.id, inserted.latest_version_id INTO @allocated;
INSERT INTO file_versions (file_id, version_id, status, created_at, created_by_id, created_by_name, created_by_email,
                           upload_expires_at, declared_size, declared_md5, declared_sha256, content_type, metadata, seal_lease_id)
OUTPUT inserted.file_id AS [FileId], inserted.version_id AS [VersionId]
SELECT id, latest_version_id, N'Uploading',
       DATEADD(microsecond, CAST((latest_version_id / @step) % 1000000 AS int),
         DATEADD(second, CAST((latest_version_id / @step / 1000000) % 86400 AS int),
           DATEADD(day, CAST(latest_version_id / @step / 86400000000 AS int), CAST('1970-01-01T00:00:00+00:00' AS datetimeoffset)))),
       @caller_id, @caller_name, @caller_email, @upload_expires_at, @declared_size, @declared_md5, @declared_sha256,
       @content_type, @metadata, @seal_lease_id
  FROM @allocated;

-- registerFileVersionByPath: renewing an upload link (answers 200)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @services_Scope_WorkspaceId uniqueidentifier
-- @path_Key varchar(1668)
SELECT TOP(1) [f].[id] AS [Id]
FROM [files] AS [f]
WHERE [f].[workspace_id] = @services_Scope_WorkspaceId AND [f].[path_key] = @path_Key AND [f].[deleted_at] IS NULL

-- @p datetimeoffset
-- @fileId uniqueidentifier
-- @versionId bigint
-- @abandonedBefore datetimeoffset
-- @scope_WorkspaceId uniqueidentifier
UPDATE [f]
SET [f].[upload_expires_at] = @p
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @fileId AND [f].[version_id] = @versionId AND [f].[status] = N'Uploading' AND [f].[upload_expires_at] >= @abandonedBefore AND EXISTS (
    SELECT 1
    FROM [files] AS [f0]
    WHERE [f0].[id] = [f].[file_id] AND [f0].[workspace_id] = @scope_WorkspaceId AND [f0].[deleted_at] IS NULL)

-- registerFileVersionById: a new version (answers 200)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @workspaceId uniqueidentifier
SELECT TOP(1) [w].[quota_bytes] AS [Quota], [w0].[bytes] AS [Bytes]
FROM [workspaces] AS [w]
LEFT JOIN [workspace_usage] AS [w0] ON [w].[id] = [w0].[workspace_id]
WHERE [w].[id] = @workspaceId AND [w].[quota_bytes] IS NOT NULL

-- @workspace_id uniqueidentifier
-- @candidate bigint
-- @step bigint
-- @caller_id nvarchar(36)
-- @caller_name nvarchar(5)
-- @caller_email nvarchar(17)
-- @upload_expires_at datetimeoffset
-- @declared_size bigint
-- @declared_md5 nvarchar
-- @declared_sha256 nvarchar
-- @content_type nvarchar
-- @metadata nvarchar(-1)
-- @seal_lease_id uniqueidentifier
-- @file_id uniqueidentifier
SET NOCOUNT ON;
DECLARE @allocated TABLE (id uniqueidentifier, latest_version_id bigint);
UPDATE files SET latest_version_id = CASE WHEN @candidate > latest_version_id + @step THEN @candidate ELSE latest_version_id + @step END
OUTPUT inserted.id, inserted.latest_version_id INTO @allocated
 WHERE id = @file_id AND workspace_id = @workspace_id AND deleted_at IS NULL;INSERT INTO file_versions (file_id, version_id, status, created_at, created_by_id, created_by_name, created_by_email,
                           upload_expires_at, declared_size, declared_md5, declared_sha256, content_type, metadata, seal_lease_id)
OUTPUT inserted.file_id AS [FileId], inserted.version_id AS [VersionId]
SELECT id, latest_version_id, N'Uploading',
       DATEADD(microsecond, CAST((latest_version_id / @step) % 1000000 AS int),
         DATEADD(second, CAST((latest_version_id / @step / 1000000) % 86400 AS int),
           DATEADD(day, CAST(latest_version_id / @step / 86400000000 AS int), CAST('1970-01-01T00:00:00+00:00' AS datetimeoffset)))),
       @caller_id, @caller_name, @caller_email, @upload_expires_at, @declared_size, @declared_md5, @declared_sha256,
       @content_type, @metadata, @seal_lease_id
  FROM @allocated;

-- registerFileVersionById: renewing an upload link (answers 200)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @fileId uniqueidentifier
-- @services_Scope_WorkspaceId uniqueidentifier
SELECT CASE
    WHEN EXISTS (
        SELECT 1
        FROM [files] AS [f]
        WHERE [f].[id] = @fileId AND [f].[workspace_id] = @services_Scope_WorkspaceId AND [f].[deleted_at] IS NULL) THEN CAST(1 AS bit)
    ELSE CAST(0 AS bit)
END

-- @p datetimeoffset
-- @fileId uniqueidentifier
-- @versionId bigint
-- @abandonedBefore datetimeoffset
-- @scope_WorkspaceId uniqueidentifier
UPDATE [f]
SET [f].[upload_expires_at] = @p
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @fileId AND [f].[version_id] = @versionId AND [f].[status] = N'Uploading' AND [f].[upload_expires_at] >= @abandonedBefore AND EXISTS (
    SELECT 1
    FROM [files] AS [f0]
    WHERE [f0].[id] = [f].[file_id] AND [f0].[workspace_id] = @scope_WorkspaceId AND [f0].[deleted_at] IS NULL)

-- registerFileVersionById: restoring a file to its path (answers 204)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @fileId uniqueidentifier
-- @scope_WorkspaceId uniqueidentifier
SELECT TOP(1) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
FROM [files] AS [f]
WHERE [f].[id] = @fileId AND [f].[workspace_id] = @scope_WorkspaceId

-- @_8__locals1_scope_WorkspaceId uniqueidentifier
-- @path_Key varchar(1668)
SELECT CASE
    WHEN EXISTS (
        SELECT 1
        FROM [files] AS [f]
        WHERE [f].[workspace_id] = @_8__locals1_scope_WorkspaceId AND [f].[path_key] = @path_Key AND [f].[deleted_at] IS NULL) THEN CAST(1 AS bit)
    ELSE CAST(0 AS bit)
END

-- @r0 nvarchar(77)
-- @rx nvarchar(77)
SET NOCOUNT ON;
DECLARE @result int;
EXEC @result = sp_getapplock @Resource = @r0, @LockMode = 'Shared', @LockOwner = 'Transaction';
IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;
EXEC @result = sp_getapplock @Resource = @rx, @LockMode = 'Exclusive', @LockOwner = 'Transaction';
IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;

-- @scope_WorkspaceId uniqueidentifier
-- @ancestors1 varchar(1668)
-- @under_startswith varchar(1668)
SELECT CASE
    WHEN EXISTS (
        SELECT 1
        FROM [files] AS [f]
        WHERE [f].[workspace_id] = @scope_WorkspaceId AND [f].[deleted_at] IS NULL AND ([f].[path_key] = @ancestors1 OR [f].[path_key] LIKE @under_startswith ESCAPE '\')) THEN CAST(1 AS bit)
    ELSE CAST(0 AS bit)
END

-- @p nvarchar(255)
-- @p3 varchar(1668)
-- @fileId uniqueidentifier
-- @scope_WorkspaceId uniqueidentifier
UPDATE [f]
SET [f].[name] = @p,
    [f].[path_key] = @p3,
    [f].[deleted_at] = NULL,
    [f].[deleted_by_id] = NULL,
    [f].[deleted_by_name] = NULL,
    [f].[deleted_by_email] = NULL
FROM [files] AS [f]
WHERE [f].[id] = @fileId AND [f].[workspace_id] = @scope_WorkspaceId AND [f].[deleted_at] IS NOT NULL

-- @sign bigint
-- @file_id uniqueidentifier
MERGE workspace_usage WITH (HOLDLOCK) AS u
USING (SELECT f.workspace_id, @sign * (CASE WHEN f.current_version_id IS NULL THEN 0 ELSE 1 END) AS files,
              @sign * COALESCE((SELECT SUM(v.size) FROM file_versions AS v WHERE v.file_id = f.id AND v.status = N'Ready'), 0) AS bytes
         FROM files AS f WHERE f.id = @file_id) AS s
   ON u.workspace_id = s.workspace_id
WHEN MATCHED THEN UPDATE SET files = u.files + s.files, bytes = u.bytes + s.bytes
WHEN NOT MATCHED THEN INSERT (workspace_id, files, bytes) VALUES (s.workspace_id, s.files, s.bytes);

-- @fileId uniqueidentifier
SELECT TOP(1) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id], [w].[organization_id] AS [OrganizationId]
FROM [files] AS [f]
INNER JOIN [workspaces] AS [w] ON [f].[workspace_id] = [w].[id]
WHERE [f].[id] = @fileId

-- registerFileVersionById: restoring a file beside the one that took its path (answers 404)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @fileId uniqueidentifier
-- @scope_WorkspaceId uniqueidentifier
SELECT TOP(1) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
FROM [files] AS [f]
WHERE [f].[id] = @fileId AND [f].[workspace_id] = @scope_WorkspaceId

-- @_8__locals1_scope_WorkspaceId uniqueidentifier
-- @path_Key varchar(1668)
SELECT CASE
    WHEN EXISTS (
        SELECT 1
        FROM [files] AS [f]
        WHERE [f].[workspace_id] = @_8__locals1_scope_WorkspaceId AND [f].[path_key] = @path_Key AND [f].[deleted_at] IS NULL) THEN CAST(1 AS bit)
    ELSE CAST(0 AS bit)
END

-- @_8__locals1_scope_WorkspaceId uniqueidentifier
-- @path_Key varchar(1668)
SELECT CASE
    WHEN EXISTS (
        SELECT 1
        FROM [files] AS [f]
        WHERE [f].[workspace_id] = @_8__locals1_scope_WorkspaceId AND [f].[path_key] = @path_Key AND [f].[deleted_at] IS NULL) THEN CAST(1 AS bit)
    ELSE CAST(0 AS bit)
END

-- @r0 nvarchar(77)
-- @rx nvarchar(77)
SET NOCOUNT ON;
DECLARE @result int;
EXEC @result = sp_getapplock @Resource = @r0, @LockMode = 'Shared', @LockOwner = 'Transaction';
IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;
EXEC @result = sp_getapplock @Resource = @rx, @LockMode = 'Exclusive', @LockOwner = 'Transaction';
IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;

-- @scope_WorkspaceId uniqueidentifier
-- @ancestors1 varchar(1668)
-- @under_startswith varchar(1668)
SELECT CASE
    WHEN EXISTS (
        SELECT 1
        FROM [files] AS [f]
        WHERE [f].[workspace_id] = @scope_WorkspaceId AND [f].[deleted_at] IS NULL AND ([f].[path_key] = @ancestors1 OR [f].[path_key] LIKE @under_startswith ESCAPE '\')) THEN CAST(1 AS bit)
    ELSE CAST(0 AS bit)
END

-- @p nvarchar(255)
-- @p3 varchar(1668)
-- @fileId uniqueidentifier
-- @scope_WorkspaceId uniqueidentifier
UPDATE [f]
SET [f].[name] = @p,
    [f].[path_key] = @p3,
    [f].[deleted_at] = NULL,
    [f].[deleted_by_id] = NULL,
    [f].[deleted_by_name] = NULL,
    [f].[deleted_by_email] = NULL
FROM [files] AS [f]
WHERE [f].[id] = @fileId AND [f].[workspace_id] = @scope_WorkspaceId AND [f].[deleted_at] IS NOT NULL

-- @sign bigint
-- @file_id uniqueidentifier
MERGE workspace_usage WITH (HOLDLOCK) AS u
USING (SELECT f.workspace_id, @sign * (CASE WHEN f.current_version_id IS NULL THEN 0 ELSE 1 END) AS files,
              @sign * COALESCE((SELECT SUM(v.size) FROM file_versions AS v WHERE v.file_id = f.id AND v.status = N'Ready'), 0) AS bytes
         FROM files AS f WHERE f.id = @file_id) AS s
   ON u.workspace_id = s.workspace_id
WHEN MATCHED THEN UPDATE SET files = u.files + s.files, bytes = u.bytes + s.bytes
WHEN NOT MATCHED THEN INSERT (workspace_id, files, bytes) VALUES (s.workspace_id, s.files, s.bytes);

-- @fileId uniqueidentifier
SELECT TOP(1) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id], [w].[organization_id] AS [OrganizationId]
FROM [files] AS [f]
INNER JOIN [workspaces] AS [w] ON [f].[workspace_id] = [w].[id]
WHERE [f].[id] = @fileId

-- @_8__locals1_fileId uniqueidentifier
SELECT TOP(1) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
FROM [files] AS [f]
WHERE [f].[id] = @_8__locals1_fileId

-- @fileId uniqueidentifier
-- @versionId bigint
SELECT TOP(1) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @fileId AND [f].[version_id] = @versionId

-- completeUpload: a committed upload becomes ready (answers 200)
-- @fileId uniqueidentifier
-- @requestedVersionId bigint
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role], [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id], [f0].[file_id], [f0].[version_id], [f0].[blob_reported_at], [f0].[blob_snapshot], [f0].[blob_version_id], [f0].[content_type], [f0].[created_at], [f0].[created_by_email], [f0].[created_by_id], [f0].[created_by_name], [f0].[declared_md5], [f0].[declared_sha256], [f0].[declared_size], [f0].[etag], [f0].[failure_code], [f0].[failure_reason], [f0].[last_checked_at], [f0].[metadata], [f0].[ready_at], [f0].[seal_lease_id], [f0].[size], [f0].[status], [f0].[upload_expires_at], [f0].[verification_claimed_at], [f0].[verification_owner], [f0].[verification_token], [f0].[verified]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
LEFT JOIN [files] AS [f] ON [w].[workspace_id] = [f].[workspace_id] AND @fileId = [f].[id]
LEFT JOIN [file_versions] AS [f0] ON [f].[id] = [f0].[file_id] AND @requestedVersionId = [f0].[version_id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @p uniqueidentifier
-- @version_FileId uniqueidentifier
-- @version_VersionId bigint
UPDATE [f]
SET [f].[seal_lease_id] = @p
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @version_FileId AND [f].[version_id] = @version_VersionId AND [f].[seal_lease_id] IS NULL

-- @versions nvarchar(-1)
-- @now datetimeoffset
-- @stale_before datetimeoffset
SET NOCOUNT ON;
DECLARE @input TABLE (file_id uniqueidentifier NOT NULL, version_id bigint NOT NULL, size bigint NOT NULL, etag nvarchar(256) NOT NULL,
    blob_version_id nvarchar(256) NULL, blob_snapshot nvarchar(64) NULL, verified nvarchar(64) NULL, token uniqueidentifier NULL,
    PRIMARY KEY (file_id, version_id));
DECLARE @locked TABLE (id uniqueidentifier NOT NULL PRIMARY KEY, workspace_id uniqueidentifier NOT NULL, deleted_at datetimeoffset NULL,
    current_version_id bigint NULL);
DECLARE @judged TABLE (file_id uniqueidentifier NOT NULL, version_id bigint NOT NULL, workspace_id uniqueidentifier NOT NULL,
    live bit NOT NULL, first_ready bit NOT NULL, over_quota bit NOT NULL, PRIMARY KEY (file_id, version_id));
DECLARE @ready TABLE (file_id uniqueidentifier NOT NULL, version_id bigint NOT NULL, size bigint NULL, created_at datetimeoffset NOT NULL);
INSERT INTO @input (file_id, version_id, size, etag, blob_version_id, blob_snapshot, verified, token)
SELECT file_id, version_id, size, etag, blob_version_id, blob_snapshot, verified, token
  FROM OPENJSON(@versions) WITH (file_id uniqueidentifier '$.file_id', version_id bigint '$.version_id', size bigint '$.size',
       etag nvarchar(256) '$.etag', blob_version_id nvarchar(256) '$.blob_version_id', blob_snapshot nvarchar(64) '$.blob_snapshot',
       verified nvarchar(64) '$.verified',
       token uniqueidentifier '$.token');
INSERT INTO @locked (id, workspace_id, deleted_at, current_version_id)
SELECT id, workspace_id, deleted_at, current_version_id FROM files WITH (UPDLOCK, ROWLOCK) WHERE id IN (SELECT file_id FROM @input);
INSERT INTO @judged (file_id, version_id, workspace_id, live, first_ready, over_quota)
SELECT c.file_id, c.version_id, c.workspace_id, c.live, c.first_ready,
       CASE WHEN c.live = 1 AND w.quota_bytes IS NOT NULL
             AND COALESCE(u.bytes, 0) + SUM(c.size) OVER (PARTITION BY c.workspace_id, c.live ORDER BY c.size, c.file_id, c.version_id
                                                          ROWS UNBOUNDED PRECEDING) > w.quota_bytes
            THEN 1 ELSE 0 END
  FROM (SELECT i.file_id, i.version_id, i.size, l.workspace_id,
               CASE WHEN l.deleted_at IS NULL THEN 1 ELSE 0 END AS live, CASE WHEN l.current_version_id IS NULL THEN 1 ELSE 0 END AS first_ready
          FROM @input AS i
          JOIN @locked AS l ON l.id = i.file_id
          JOIN file_versions AS v ON v.file_id = i.file_id AND v.version_id = i.version_id
         WHERE v.status = N'Uploading'
           AND ((i.token IS NOT NULL AND v.verification_token = i.token)
                OR (i.token IS NULL AND (v.verification_token IS NULL OR v.verification_claimed_at < @stale_before)))) AS c
  JOIN workspaces AS w ON w.id = c.workspace_id
  LEFT JOIN workspace_usage AS u WITH (UPDLOCK, HOLDLOCK) ON u.workspace_id = c.workspace_id AND c.live = 1;
UPDATE v
   SET status = N'Ready', size = i.size, etag = i.etag, blob_version_id = i.blob_version_id, blob_snapshot = i.blob_snapshot,
       verified = i.verified, ready_at = @now,
       verification_owner = NULL, verification_token = NULL, verification_claimed_at = NULL
OUTPUT inserted.file_id, inserted.version_id, inserted.size, inserted.created_at INTO @ready
  FROM file_versions AS v
  JOIN @input AS i ON i.file_id = v.file_id AND i.version_id = v.version_id
  JOIN @judged AS j ON j.file_id = v.file_id AND j.version_id = v.version_id
 WHERE j.over_quota = 0 AND v.status = N'Uploading'
   AND ((i.token IS NOT NULL AND v.verification_token = i.token)
        OR (i.token IS NULL AND (v.verification_token IS NULL OR v.verification_claimed_at < @stale_before)));
UPDATE f SET current_version_id = r.version_id, current_size = r.size, modified_at = r.created_at
  FROM files AS f
  JOIN (SELECT file_id, version_id, size, created_at, ROW_NUMBER() OVER (PARTITION BY file_id ORDER BY version_id DESC) AS newest
          FROM @ready) AS r ON r.file_id = f.id AND r.newest = 1
 WHERE f.current_version_id IS NULL OR f.current_version_id < r.version_id;
MERGE workspace_usage WITH (HOLDLOCK) AS u
USING (SELECT j.workspace_id, SUM(CAST(j.first_ready AS int)) AS files, SUM(r.size) AS bytes
         FROM @ready AS r JOIN @judged AS j ON j.file_id = r.file_id AND j.version_id = r.version_id
        WHERE j.live = 1
        GROUP BY j.workspace_id) AS s
   ON u.workspace_id = s.workspace_id
WHEN MATCHED THEN UPDATE SET files = u.files + s.files, bytes = u.bytes + s.bytes
WHEN NOT MATCHED THEN INSERT (workspace_id, files, bytes) VALUES (s.workspace_id, s.files, s.bytes);
SELECT i.file_id AS [FileId], i.version_id AS [VersionId],
       CASE WHEN r.file_id IS NOT NULL THEN N'ready'
            WHEN j.file_id IS NULL OR j.live = 0 THEN N'settled'
            WHEN j.over_quota = 1 THEN N'over-quota'
            ELSE N'stale' END AS [Outcome],
       CAST(CASE WHEN EXISTS (SELECT 1 FROM webhook_endpoints AS e WHERE e.workspace_id = j.workspace_id) THEN 1 ELSE 0 END AS bit) AS [Watched]
  FROM @input AS i
  LEFT JOIN @judged AS j ON j.file_id = i.file_id AND j.version_id = i.version_id
  LEFT JOIN @ready AS r ON r.file_id = i.file_id AND r.version_id = i.version_id;

-- @fileIds1 uniqueidentifier
SELECT [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id], [w].[organization_id] AS [OrganizationId]
FROM [files] AS [f]
INNER JOIN [workspaces] AS [w] ON [f].[workspace_id] = [w].[id]
WHERE [f].[id] = @fileIds1

-- @workspaceIds1 uniqueidentifier
SELECT [w].[workspace_id] AS [WorkspaceId], [w].[id] AS [Id]
FROM [webhook_endpoints] AS [w]
WHERE [w].[workspace_id] = @workspaceIds1

-- @watchedFiles1 uniqueidentifier
-- @watchedVersions1 bigint
SELECT [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @watchedFiles1 AND [f].[version_id] = @watchedVersions1

-- @p0 uniqueidentifier
-- @p1 int
-- @p2 nvarchar(128)
-- @p3 uniqueidentifier
-- @p4 datetimeoffset
-- @p5 datetimeoffset
-- @p6 datetimeoffset
-- @p7 uniqueidentifier
-- @p8 uniqueidentifier
-- @p9 nvarchar(64)
-- @p10 datetimeoffset
-- @p11 nvarchar(1000)
-- @p12 int
-- @p13 datetimeoffset
-- @p14 nvarchar(4000)
-- @p15 nvarchar(16)
-- @p16 nvarchar(1025)
SET IMPLICIT_TRANSACTIONS OFF;
SET NOCOUNT ON;
INSERT INTO [webhook_deliveries] ([id], [attempts], [claim_owner], [claim_token], [claimed_at], [created_at], [delivered_at], [endpoint_id], [event_id], [event_type], [last_attempt_at], [last_error], [last_status_code], [next_attempt_at], [payload], [status], [subject])
VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12, @p13, @p14, @p15, @p16);

-- completeUpload: a committed upload over the workspace's quota fails (answers 404)
-- @fileId uniqueidentifier
-- @requestedVersionId bigint
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role], [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id], [f0].[file_id], [f0].[version_id], [f0].[blob_reported_at], [f0].[blob_snapshot], [f0].[blob_version_id], [f0].[content_type], [f0].[created_at], [f0].[created_by_email], [f0].[created_by_id], [f0].[created_by_name], [f0].[declared_md5], [f0].[declared_sha256], [f0].[declared_size], [f0].[etag], [f0].[failure_code], [f0].[failure_reason], [f0].[last_checked_at], [f0].[metadata], [f0].[ready_at], [f0].[seal_lease_id], [f0].[size], [f0].[status], [f0].[upload_expires_at], [f0].[verification_claimed_at], [f0].[verification_owner], [f0].[verification_token], [f0].[verified]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
LEFT JOIN [files] AS [f] ON [w].[workspace_id] = [f].[workspace_id] AND @fileId = [f].[id]
LEFT JOIN [file_versions] AS [f0] ON [f].[id] = [f0].[file_id] AND @requestedVersionId = [f0].[version_id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @p uniqueidentifier
-- @version_FileId uniqueidentifier
-- @version_VersionId bigint
UPDATE [f]
SET [f].[seal_lease_id] = @p
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @version_FileId AND [f].[version_id] = @version_VersionId AND [f].[seal_lease_id] IS NULL

-- @versions nvarchar(-1)
-- @now datetimeoffset
-- @stale_before datetimeoffset
SET NOCOUNT ON;
DECLARE @input TABLE (file_id uniqueidentifier NOT NULL, version_id bigint NOT NULL, size bigint NOT NULL, etag nvarchar(256) NOT NULL,
    blob_version_id nvarchar(256) NULL, blob_snapshot nvarchar(64) NULL, verified nvarchar(64) NULL, token uniqueidentifier NULL,
    PRIMARY KEY (file_id, version_id));
DECLARE @locked TABLE (id uniqueidentifier NOT NULL PRIMARY KEY, workspace_id uniqueidentifier NOT NULL, deleted_at datetimeoffset NULL,
    current_version_id bigint NULL);
DECLARE @judged TABLE (file_id uniqueidentifier NOT NULL, version_id bigint NOT NULL, workspace_id uniqueidentifier NOT NULL,
    live bit NOT NULL, first_ready bit NOT NULL, over_quota bit NOT NULL, PRIMARY KEY (file_id, version_id));
DECLARE @ready TABLE (file_id uniqueidentifier NOT NULL, version_id bigint NOT NULL, size bigint NULL, created_at datetimeoffset NOT NULL);
INSERT INTO @input (file_id, version_id, size, etag, blob_version_id, blob_snapshot, verified, token)
SELECT file_id, version_id, size, etag, blob_version_id, blob_snapshot, verified, token
  FROM OPENJSON(@versions) WITH (file_id uniqueidentifier '$.file_id', version_id bigint '$.version_id', size bigint '$.size',
       etag nvarchar(256) '$.etag', blob_version_id nvarchar(256) '$.blob_version_id', blob_snapshot nvarchar(64) '$.blob_snapshot',
       verified nvarchar(64) '$.verified',
       token uniqueidentifier '$.token');
INSERT INTO @locked (id, workspace_id, deleted_at, current_version_id)
SELECT id, workspace_id, deleted_at, current_version_id FROM files WITH (UPDLOCK, ROWLOCK) WHERE id IN (SELECT file_id FROM @input);
INSERT INTO @judged (file_id, version_id, workspace_id, live, first_ready, over_quota)
SELECT c.file_id, c.version_id, c.workspace_id, c.live, c.first_ready,
       CASE WHEN c.live = 1 AND w.quota_bytes IS NOT NULL
             AND COALESCE(u.bytes, 0) + SUM(c.size) OVER (PARTITION BY c.workspace_id, c.live ORDER BY c.size, c.file_id, c.version_id
                                                          ROWS UNBOUNDED PRECEDING) > w.quota_bytes
            THEN 1 ELSE 0 END
  FROM (SELECT i.file_id, i.version_id, i.size, l.workspace_id,
               CASE WHEN l.deleted_at IS NULL THEN 1 ELSE 0 END AS live, CASE WHEN l.current_version_id IS NULL THEN 1 ELSE 0 END AS first_ready
          FROM @input AS i
          JOIN @locked AS l ON l.id = i.file_id
          JOIN file_versions AS v ON v.file_id = i.file_id AND v.version_id = i.version_id
         WHERE v.status = N'Uploading'
           AND ((i.token IS NOT NULL AND v.verification_token = i.token)
                OR (i.token IS NULL AND (v.verification_token IS NULL OR v.verification_claimed_at < @stale_before)))) AS c
  JOIN workspaces AS w ON w.id = c.workspace_id
  LEFT JOIN workspace_usage AS u WITH (UPDLOCK, HOLDLOCK) ON u.workspace_id = c.workspace_id AND c.live = 1;
UPDATE v
   SET status = N'Ready', size = i.size, etag = i.etag, blob_version_id = i.blob_version_id, blob_snapshot = i.blob_snapshot,
       verified = i.verified, ready_at = @now,
       verification_owner = NULL, verification_token = NULL, verification_claimed_at = NULL
OUTPUT inserted.file_id, inserted.version_id, inserted.size, inserted.created_at INTO @ready
  FROM file_versions AS v
  JOIN @input AS i ON i.file_id = v.file_id AND i.version_id = v.version_id
  JOIN @judged AS j ON j.file_id = v.file_id AND j.version_id = v.version_id
 WHERE j.over_quota = 0 AND v.status = N'Uploading'
   AND ((i.token IS NOT NULL AND v.verification_token = i.token)
        OR (i.token IS NULL AND (v.verification_token IS NULL OR v.verification_claimed_at < @stale_before)));
UPDATE f SET current_version_id = r.version_id, current_size = r.size, modified_at = r.created_at
  FROM files AS f
  JOIN (SELECT file_id, version_id, size, created_at, ROW_NUMBER() OVER (PARTITION BY file_id ORDER BY version_id DESC) AS newest
          FROM @ready) AS r ON r.file_id = f.id AND r.newest = 1
 WHERE f.current_version_id IS NULL OR f.current_version_id < r.version_id;
MERGE workspace_usage WITH (HOLDLOCK) AS u
USING (SELECT j.workspace_id, SUM(CAST(j.first_ready AS int)) AS files, SUM(r.size) AS bytes
         FROM @ready AS r JOIN @judged AS j ON j.file_id = r.file_id AND j.version_id = r.version_id
        WHERE j.live = 1
        GROUP BY j.workspace_id) AS s
   ON u.workspace_id = s.workspace_id
WHEN MATCHED THEN UPDATE SET files = u.files + s.files, bytes = u.bytes + s.bytes
WHEN NOT MATCHED THEN INSERT (workspace_id, files, bytes) VALUES (s.workspace_id, s.files, s.bytes);
SELECT i.file_id AS [FileId], i.version_id AS [VersionId],
       CASE WHEN r.file_id IS NOT NULL THEN N'ready'
            WHEN j.file_id IS NULL OR j.live = 0 THEN N'settled'
            WHEN j.over_quota = 1 THEN N'over-quota'
            ELSE N'stale' END AS [Outcome],
       CAST(CASE WHEN EXISTS (SELECT 1 FROM webhook_endpoints AS e WHERE e.workspace_id = j.workspace_id) THEN 1 ELSE 0 END AS bit) AS [Watched]
  FROM @input AS i
  LEFT JOIN @judged AS j ON j.file_id = i.file_id AND j.version_id = i.version_id
  LEFT JOIN @ready AS r ON r.file_id = i.file_id AND r.version_id = i.version_id;

-- @version_FileId uniqueidentifier
SELECT TOP(1) [w].[quota_bytes] AS [QuotaBytes], [w0].[bytes] AS [Bytes]
FROM [files] AS [f]
INNER JOIN [workspaces] AS [w] ON [f].[workspace_id] = [w].[id]
LEFT JOIN [workspace_usage] AS [w0] ON [w].[id] = [w0].[workspace_id]
WHERE [f].[id] = @version_FileId

-- @p nvarchar(16)
-- @p4 nvarchar(32)
-- @p5 nvarchar(1000)
-- @version_FileId uniqueidentifier
-- @version_VersionId bigint
-- @staleBefore datetimeoffset
UPDATE [f]
SET [f].[status] = @p,
    [f].[failure_code] = @p4,
    [f].[failure_reason] = @p5,
    [f].[verification_owner] = NULL,
    [f].[verification_token] = NULL,
    [f].[verification_claimed_at] = NULL
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @version_FileId AND [f].[version_id] = @version_VersionId AND [f].[status] = N'Uploading' AND ([f].[verification_token] IS NULL OR [f].[verification_claimed_at] < @staleBefore)

-- @fileId uniqueidentifier
SELECT TOP(1) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id], [w].[organization_id] AS [OrganizationId]
FROM [files] AS [f]
INNER JOIN [workspaces] AS [w] ON [f].[workspace_id] = [w].[id]
WHERE [f].[id] = @fileId

-- @file_File_WorkspaceId uniqueidentifier
SELECT [w].[id]
FROM [webhook_endpoints] AS [w]
WHERE [w].[workspace_id] = @file_File_WorkspaceId

-- @fileId uniqueidentifier
-- @id bigint
SELECT TOP(1) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @fileId AND [f].[version_id] = @id

-- @p0 uniqueidentifier
-- @p1 int
-- @p2 nvarchar(128)
-- @p3 uniqueidentifier
-- @p4 datetimeoffset
-- @p5 datetimeoffset
-- @p6 datetimeoffset
-- @p7 uniqueidentifier
-- @p8 uniqueidentifier
-- @p9 nvarchar(64)
-- @p10 datetimeoffset
-- @p11 nvarchar(1000)
-- @p12 int
-- @p13 datetimeoffset
-- @p14 nvarchar(4000)
-- @p15 nvarchar(16)
-- @p16 nvarchar(1025)
SET IMPLICIT_TRANSACTIONS OFF;
SET NOCOUNT ON;
INSERT INTO [webhook_deliveries] ([id], [attempts], [claim_owner], [claim_token], [claimed_at], [created_at], [delivered_at], [endpoint_id], [event_id], [event_type], [last_attempt_at], [last_error], [last_status_code], [next_attempt_at], [payload], [status], [subject])
VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12, @p13, @p14, @p15, @p16);

-- @fileId uniqueidentifier
-- @versionId bigint
SELECT TOP(1) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @fileId AND [f].[version_id] = @versionId

-- abortUpload: an upload of one's own (answers 204)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @p nvarchar(16)
-- @p5 nvarchar(32)
-- @p6 nvarchar(1000)
-- @fileId uniqueidentifier
-- @versionId bigint
-- @scope_WorkspaceId uniqueidentifier
UPDATE [f]
SET [f].[status] = @p,
    [f].[failure_code] = @p5,
    [f].[failure_reason] = @p6,
    [f].[verification_owner] = NULL,
    [f].[verification_token] = NULL,
    [f].[verification_claimed_at] = NULL
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @fileId AND [f].[version_id] = @versionId AND [f].[status] = N'Uploading' AND EXISTS (
    SELECT 1
    FROM [files] AS [f0]
    WHERE [f0].[id] = [f].[file_id] AND [f0].[workspace_id] = @scope_WorkspaceId)

-- @fileId uniqueidentifier
SELECT TOP(1) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id], [w].[organization_id] AS [OrganizationId]
FROM [files] AS [f]
INNER JOIN [workspaces] AS [w] ON [f].[workspace_id] = [w].[id]
WHERE [f].[id] = @fileId

-- @file_File_WorkspaceId uniqueidentifier
SELECT [w].[id]
FROM [webhook_endpoints] AS [w]
WHERE [w].[workspace_id] = @file_File_WorkspaceId

-- @fileId uniqueidentifier
-- @id bigint
SELECT TOP(1) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @fileId AND [f].[version_id] = @id

-- @p0 uniqueidentifier
-- @p1 int
-- @p2 nvarchar(128)
-- @p3 uniqueidentifier
-- @p4 datetimeoffset
-- @p5 datetimeoffset
-- @p6 datetimeoffset
-- @p7 uniqueidentifier
-- @p8 uniqueidentifier
-- @p9 nvarchar(64)
-- @p10 datetimeoffset
-- @p11 nvarchar(1000)
-- @p12 int
-- @p13 datetimeoffset
-- @p14 nvarchar(4000)
-- @p15 nvarchar(16)
-- @p16 nvarchar(1025)
SET IMPLICIT_TRANSACTIONS OFF;
SET NOCOUNT ON;
INSERT INTO [webhook_deliveries] ([id], [attempts], [claim_owner], [claim_token], [claimed_at], [created_at], [delivered_at], [endpoint_id], [event_id], [event_type], [last_attempt_at], [last_error], [last_status_code], [next_attempt_at], [payload], [status], [subject])
VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12, @p13, @p14, @p15, @p16);

-- getFileByPath: a live file (answers 404)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @services_Scope_WorkspaceId uniqueidentifier
-- @path_Key varchar(1668)
SELECT TOP(1) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id]
FROM [files] AS [f]
WHERE [f].[workspace_id] = @services_Scope_WorkspaceId AND [f].[path_key] = @path_Key AND [f].[deleted_at] IS NULL

-- @fileId uniqueidentifier
-- @versionId bigint
SELECT TOP(1) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @fileId AND [f].[version_id] = @versionId

-- getFileById: an unknown file (answers 404)
-- @fileId uniqueidentifier
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role], [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id], [f0].[file_id], [f0].[version_id], [f0].[blob_reported_at], [f0].[blob_snapshot], [f0].[blob_version_id], [f0].[content_type], [f0].[created_at], [f0].[created_by_email], [f0].[created_by_id], [f0].[created_by_name], [f0].[declared_md5], [f0].[declared_sha256], [f0].[declared_size], [f0].[etag], [f0].[failure_code], [f0].[failure_reason], [f0].[last_checked_at], [f0].[metadata], [f0].[ready_at], [f0].[seal_lease_id], [f0].[size], [f0].[status], [f0].[upload_expires_at], [f0].[verification_claimed_at], [f0].[verification_owner], [f0].[verification_token], [f0].[verified]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
LEFT JOIN [files] AS [f] ON [w].[workspace_id] = [f].[workspace_id] AND @fileId = [f].[id]
LEFT JOIN [file_versions] AS [f0] ON [f].[id] = [f0].[file_id] AND COALESCE(NULL, [f].[current_version_id]) = [f0].[version_id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- deleteFileByPath: a live file (answers 204)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @services_Scope_WorkspaceId uniqueidentifier
-- @path_Key varchar(1668)
SELECT TOP(1) [f].[id]
FROM [files] AS [f]
WHERE [f].[workspace_id] = @services_Scope_WorkspaceId AND [f].[path_key] = @path_Key AND [f].[deleted_at] IS NULL

-- @p datetimeoffset
-- @p2 nvarchar(128)
-- @p3 nvarchar(256)
-- @p4 nvarchar(256)
-- @live uniqueidentifier
UPDATE [f]
SET [f].[deleted_at] = @p,
    [f].[deleted_by_id] = @p2,
    [f].[deleted_by_name] = @p3,
    [f].[deleted_by_email] = @p4
FROM [files] AS [f]
WHERE [f].[id] = @live AND [f].[deleted_at] IS NULL

-- @sign bigint
-- @file_id uniqueidentifier
MERGE workspace_usage WITH (HOLDLOCK) AS u
USING (SELECT f.workspace_id, @sign * (CASE WHEN f.current_version_id IS NULL THEN 0 ELSE 1 END) AS files,
              @sign * COALESCE((SELECT SUM(v.size) FROM file_versions AS v WHERE v.file_id = f.id AND v.status = N'Ready'), 0) AS bytes
         FROM files AS f WHERE f.id = @file_id) AS s
   ON u.workspace_id = s.workspace_id
WHEN MATCHED THEN UPDATE SET files = u.files + s.files, bytes = u.bytes + s.bytes
WHEN NOT MATCHED THEN INSERT (workspace_id, files, bytes) VALUES (s.workspace_id, s.files, s.bytes);

-- @fileId uniqueidentifier
SELECT TOP(1) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id], [w].[organization_id] AS [OrganizationId]
FROM [files] AS [f]
INNER JOIN [workspaces] AS [w] ON [f].[workspace_id] = [w].[id]
WHERE [f].[id] = @fileId

-- @file_File_WorkspaceId uniqueidentifier
SELECT [w].[id]
FROM [webhook_endpoints] AS [w]
WHERE [w].[workspace_id] = @file_File_WorkspaceId

-- @fileId uniqueidentifier
-- @id bigint
SELECT TOP(1) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @fileId AND [f].[version_id] = @id

-- @p0 uniqueidentifier
-- @p1 int
-- @p2 nvarchar(128)
-- @p3 uniqueidentifier
-- @p4 datetimeoffset
-- @p5 datetimeoffset
-- @p6 datetimeoffset
-- @p7 uniqueidentifier
-- @p8 uniqueidentifier
-- @p9 nvarchar(64)
-- @p10 datetimeoffset
-- @p11 nvarchar(1000)
-- @p12 int
-- @p13 datetimeoffset
-- @p14 nvarchar(4000)
-- @p15 nvarchar(16)
-- @p16 nvarchar(1025)
SET IMPLICIT_TRANSACTIONS OFF;
SET NOCOUNT ON;
INSERT INTO [webhook_deliveries] ([id], [attempts], [claim_owner], [claim_token], [claimed_at], [created_at], [delivered_at], [endpoint_id], [event_id], [event_type], [last_attempt_at], [last_error], [last_status_code], [next_attempt_at], [payload], [status], [subject])
VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12, @p13, @p14, @p15, @p16);

-- deleteFileById: a live file (answers 204)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @fileId uniqueidentifier
-- @services_Scope_WorkspaceId uniqueidentifier
SELECT TOP(1) [f].[id]
FROM [files] AS [f]
WHERE [f].[id] = @fileId AND [f].[workspace_id] = @services_Scope_WorkspaceId AND [f].[deleted_at] IS NULL

-- @p datetimeoffset
-- @p2 nvarchar(128)
-- @p3 nvarchar(256)
-- @p4 nvarchar(256)
-- @live uniqueidentifier
UPDATE [f]
SET [f].[deleted_at] = @p,
    [f].[deleted_by_id] = @p2,
    [f].[deleted_by_name] = @p3,
    [f].[deleted_by_email] = @p4
FROM [files] AS [f]
WHERE [f].[id] = @live AND [f].[deleted_at] IS NULL

-- @sign bigint
-- @file_id uniqueidentifier
MERGE workspace_usage WITH (HOLDLOCK) AS u
USING (SELECT f.workspace_id, @sign * (CASE WHEN f.current_version_id IS NULL THEN 0 ELSE 1 END) AS files,
              @sign * COALESCE((SELECT SUM(v.size) FROM file_versions AS v WHERE v.file_id = f.id AND v.status = N'Ready'), 0) AS bytes
         FROM files AS f WHERE f.id = @file_id) AS s
   ON u.workspace_id = s.workspace_id
WHEN MATCHED THEN UPDATE SET files = u.files + s.files, bytes = u.bytes + s.bytes
WHEN NOT MATCHED THEN INSERT (workspace_id, files, bytes) VALUES (s.workspace_id, s.files, s.bytes);

-- @fileId uniqueidentifier
SELECT TOP(1) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id], [w].[organization_id] AS [OrganizationId]
FROM [files] AS [f]
INNER JOIN [workspaces] AS [w] ON [f].[workspace_id] = [w].[id]
WHERE [f].[id] = @fileId

-- @file_File_WorkspaceId uniqueidentifier
SELECT [w].[id]
FROM [webhook_endpoints] AS [w]
WHERE [w].[workspace_id] = @file_File_WorkspaceId

-- @fileId uniqueidentifier
-- @id bigint
SELECT TOP(1) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @fileId AND [f].[version_id] = @id

-- @p0 uniqueidentifier
-- @p1 int
-- @p2 nvarchar(128)
-- @p3 uniqueidentifier
-- @p4 datetimeoffset
-- @p5 datetimeoffset
-- @p6 datetimeoffset
-- @p7 uniqueidentifier
-- @p8 uniqueidentifier
-- @p9 nvarchar(64)
-- @p10 datetimeoffset
-- @p11 nvarchar(1000)
-- @p12 int
-- @p13 datetimeoffset
-- @p14 nvarchar(4000)
-- @p15 nvarchar(16)
-- @p16 nvarchar(1025)
SET IMPLICIT_TRANSACTIONS OFF;
SET NOCOUNT ON;
INSERT INTO [webhook_deliveries] ([id], [attempts], [claim_owner], [claim_token], [claimed_at], [created_at], [delivered_at], [endpoint_id], [event_id], [event_type], [last_attempt_at], [last_error], [last_status_code], [next_attempt_at], [payload], [status], [subject])
VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12, @p13, @p14, @p15, @p16);

-- importFile: from a URL (answers 202)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @workspaceId uniqueidentifier
SELECT TOP(1) [w].[quota_bytes] AS [Quota], [w0].[bytes] AS [Bytes]
FROM [workspaces] AS [w]
LEFT JOIN [workspace_usage] AS [w0] ON [w].[id] = [w0].[workspace_id]
WHERE [w].[id] = @workspaceId AND [w].[quota_bytes] IS NOT NULL

-- @workspace_id uniqueidentifier
-- @candidate bigint
-- @step bigint
-- @caller_id nvarchar(36)
-- @caller_name nvarchar(5)
-- @caller_email nvarchar(17)
-- @upload_expires_at datetimeoffset
-- @declared_size bigint
-- @declared_md5 nvarchar
-- @declared_sha256 nvarchar
-- @content_type nvarchar
-- @metadata nvarchar(-1)
-- @seal_lease_id uniqueidentifier
-- @r0 nvarchar(77)
-- @rx nvarchar(77)
-- @a0 varchar(1668)
-- @under_from varchar(1669)
-- @under_to varchar(1669)
-- @id uniqueidentifier
-- @folder nvarchar(9)
-- @name nvarchar(5)
-- @path_key varchar(1668)
-- @now datetimeoffset
SET NOCOUNT ON;
DECLARE @result int;
EXEC @result = sp_getapplock @Resource = @r0, @LockMode = 'Shared', @LockOwner = 'Transaction';
IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;
EXEC @result = sp_getapplock @Resource = @rx, @LockMode = 'Exclusive', @LockOwner = 'Transaction';
IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;
DECLARE @allocated TABLE (id uniqueidentifier, latest_version_id bigint);
IF NOT EXISTS (SELECT 1 FROM files WHERE workspace_id = @workspace_id AND deleted_at IS NULL
                  AND (path_key IN (@a0) OR (path_key >= @under_from AND path_key < @under_to)))
    MERGE files WITH (HOLDLOCK) AS f
    USING (SELECT @workspace_id AS workspace_id, @path_key AS path_key) AS s
       ON f.workspace_id = s.workspace_id AND f.path_key = s.path_key AND f.deleted_at IS NULL
    WHEN MATCHED THEN
        UPDATE SET latest_version_id = CASE WHEN @candidate > f.latest_version_id + @step THEN @candidate ELSE f.latest_version_id + @step END
    WHEN NOT MATCHED THEN
        INSERT (id, workspace_id, folder, name, path_key, latest_version_id, created_at, created_by_id, created_by_name, created_by_email)
        VALUES (@id, @workspace_id, @folder, @name, @path_key, @candidate, @now, @caller_id, @caller_name, @caller_email)
    OUTPUT inserted.id, inserted.latest_version_id INTO @allocated;
INSERT INTO file_versions (file_id, version_id, status, created_at, created_by_id, created_by_name, created_by_email,
                           upload_expires_at, declared_size, declared_md5, declared_sha256, content_type, metadata, seal_lease_id)
OUTPUT inserted.file_id AS [FileId], inserted.version_id AS [VersionId]
SELECT id, latest_version_id, N'Uploading',
       DATEADD(microsecond, CAST((latest_version_id / @step) % 1000000 AS int),
         DATEADD(second, CAST((latest_version_id / @step / 1000000) % 86400 AS int),
           DATEADD(day, CAST(latest_version_id / @step / 86400000000 AS int), CAST('1970-01-01T00:00:00+00:00' AS datetimeoffset)))),
       @caller_id, @caller_name, @caller_email, @upload_expires_at, @declared_size, @declared_md5, @declared_sha256,
       @content_type, @metadata, @seal_lease_id
  FROM @allocated;

-- @p0 uniqueidentifier
-- @p1 bigint
-- @p2 int
-- @p3 nvarchar(128)
-- @p4 uniqueidentifier
-- @p5 datetimeoffset
-- @p6 datetimeoffset
-- @p7 nvarchar(1000)
-- @p8 datetimeoffset
-- @p9 uniqueidentifier
-- @p10 bigint
-- @p11 nvarchar(4000)
-- @p12 uniqueidentifier
SET IMPLICIT_TRANSACTIONS OFF;
SET NOCOUNT ON;
INSERT INTO [file_imports] ([file_id], [version_id], [attempts], [claim_owner], [claim_token], [claimed_at], [created_at], [last_error], [next_attempt_at], [organization_id], [size], [source_url], [workspace_id])
VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12);

-- createWebhook: an endpoint (answers 201)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @scope_WorkspaceId uniqueidentifier
SELECT COUNT(*)
FROM [webhook_endpoints] AS [w]
WHERE [w].[workspace_id] = @scope_WorkspaceId

-- @p0 uniqueidentifier
-- @p1 datetimeoffset
-- @p2 nvarchar(128)
-- @p3 datetimeoffset
-- @p4 nvarchar(1000)
-- @p5 int
-- @p6 datetimeoffset
-- @p7 nvarchar(128)
-- @p8 datetimeoffset
-- @p9 nvarchar(128)
-- @p10 nvarchar(2048)
-- @p11 uniqueidentifier
SET IMPLICIT_TRANSACTIONS OFF;
SET NOCOUNT ON;
INSERT INTO [webhook_endpoints] ([id], [created_at], [created_by_id], [last_attempt_at], [last_error], [last_status_code], [last_success_at], [previous_secret], [previous_secret_expires_at], [secret], [url], [workspace_id])
VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11);

-- listWebhooks: with delivery status (answers 200)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @services_Scope_WorkspaceId uniqueidentifier
SELECT [w].[id], [w].[created_at], [w].[created_by_id], [w].[last_attempt_at], [w].[last_error], [w].[last_status_code], [w].[last_success_at], [w].[previous_secret], [w].[previous_secret_expires_at], [w].[secret], [w].[url], [w].[workspace_id], (
    SELECT COUNT(*)
    FROM [webhook_deliveries] AS [w0]
    WHERE [w0].[endpoint_id] = [w].[id] AND [w0].[status] = N'Pending') AS [Pending], (
    SELECT MIN([w1].[next_attempt_at])
    FROM [webhook_deliveries] AS [w1]
    WHERE [w1].[endpoint_id] = [w].[id] AND [w1].[status] = N'Pending') AS [NextAttemptAt], (
    SELECT COUNT(*)
    FROM [webhook_deliveries] AS [w2]
    WHERE [w2].[endpoint_id] = [w].[id] AND [w2].[status] = N'Failed') AS [Failed]
FROM [webhook_endpoints] AS [w]
WHERE [w].[workspace_id] = @services_Scope_WorkspaceId
ORDER BY [w].[created_at], [w].[id]

-- getWebhook: an unknown endpoint (answers 404)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @services_Scope_WorkspaceId uniqueidentifier
-- @webhookId uniqueidentifier
SELECT [w].[id], [w].[created_at], [w].[created_by_id], [w].[last_attempt_at], [w].[last_error], [w].[last_status_code], [w].[last_success_at], [w].[previous_secret], [w].[previous_secret_expires_at], [w].[secret], [w].[url], [w].[workspace_id], (
    SELECT COUNT(*)
    FROM [webhook_deliveries] AS [w0]
    WHERE [w0].[endpoint_id] = [w].[id] AND [w0].[status] = N'Pending') AS [Pending], (
    SELECT MIN([w1].[next_attempt_at])
    FROM [webhook_deliveries] AS [w1]
    WHERE [w1].[endpoint_id] = [w].[id] AND [w1].[status] = N'Pending') AS [NextAttemptAt], (
    SELECT COUNT(*)
    FROM [webhook_deliveries] AS [w2]
    WHERE [w2].[endpoint_id] = [w].[id] AND [w2].[status] = N'Failed') AS [Failed]
FROM [webhook_endpoints] AS [w]
WHERE [w].[workspace_id] = @services_Scope_WorkspaceId AND [w].[id] = @webhookId
ORDER BY [w].[created_at], [w].[id]

-- deleteWebhook: an endpoint (answers 204)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @id uniqueidentifier
-- @services_Scope_WorkspaceId uniqueidentifier
DELETE FROM [w]
FROM [webhook_endpoints] AS [w]
WHERE [w].[id] = @id AND [w].[workspace_id] = @services_Scope_WorkspaceId

-- rotateWebhookSecret: an endpoint's secret (answers 200)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @p datetimeoffset
-- @p3 nvarchar(128)
-- @id uniqueidentifier
-- @services_Scope_WorkspaceId uniqueidentifier
UPDATE [w]
SET [w].[previous_secret] = [w].[secret],
    [w].[previous_secret_expires_at] = @p,
    [w].[secret] = @p3
FROM [webhook_endpoints] AS [w]
WHERE [w].[id] = @id AND [w].[workspace_id] = @services_Scope_WorkspaceId

-- listWebhookDeliveries: an endpoint's deliveries (answers 200)
-- @workspaceId uniqueidentifier
-- @organizationId uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT TOP(1) [w].[role]
FROM [workspace_members] AS [w]
INNER JOIN [workspaces] AS [w0] ON [w].[workspace_id] = [w0].[id]
WHERE [w].[workspace_id] = @workspaceId AND [w0].[organization_id] = @organizationId AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId

-- @id uniqueidentifier
-- @services_Scope_WorkspaceId uniqueidentifier
SELECT CASE
    WHEN EXISTS (
        SELECT 1
        FROM [webhook_endpoints] AS [w]
        WHERE [w].[id] = @id AND [w].[workspace_id] = @services_Scope_WorkspaceId) THEN CAST(1 AS bit)
    ELSE CAST(0 AS bit)
END

-- @p int
-- @id uniqueidentifier
SELECT TOP(@p) [w].[id], [w].[attempts], [w].[claim_owner], [w].[claim_token], [w].[claimed_at], [w].[created_at], [w].[delivered_at], [w].[endpoint_id], [w].[event_id], [w].[event_type], [w].[last_attempt_at], [w].[last_error], [w].[last_status_code], [w].[next_attempt_at], [w].[payload], [w].[status], [w].[subject]
FROM [webhook_deliveries] AS [w]
WHERE [w].[endpoint_id] = @id
ORDER BY [w].[created_at] DESC, [w].[id] DESC

-- receiveStorageEvents: a blob created for an unknown version (answers 200)
-- @fileIds nvarchar(4000)
-- @versionIds nvarchar(4000)
SELECT [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified], [f0].[workspace_id] AS [WorkspaceId], [w].[organization_id] AS [OrganizationId]
FROM [file_versions] AS [f]
INNER JOIN [files] AS [f0] ON [f].[file_id] = [f0].[id]
INNER JOIN [workspaces] AS [w] ON [f0].[workspace_id] = [w].[id]
WHERE [f].[file_id] IN (
    SELECT [f1].[value]
    FROM OPENJSON(@fileIds) WITH ([value] uniqueidentifier '$') AS [f1]
) AND [f].[version_id] IN (
    SELECT [v].[value]
    FROM OPENJSON(@versionIds) WITH ([value] bigint '$') AS [v]
)

-- /healthz/ready: readiness, every migration applied (answers 200)
SELECT 1

SELECT OBJECT_ID(N'[__EFMigrationsHistory]');

SELECT [MigrationId], [ProductVersion]
FROM [__EFMigrationsHistory]
ORDER BY [MigrationId];

-- /healthz: readiness (the older path), every migration applied (answers 200)
SELECT 1

SELECT OBJECT_ID(N'[__EFMigrationsHistory]');

SELECT [MigrationId], [ProductVersion]
FROM [__EFMigrationsHistory]
ORDER BY [MigrationId];

-- verify a declared checksum: claim, heartbeat, a mismatch fails it (completes)
-- @blob_FileId uniqueidentifier
-- @blob_VersionId bigint
-- @blob_WorkspaceId uniqueidentifier
-- @blob_OrganizationId uniqueidentifier
SELECT TOP(1) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
FROM [file_versions] AS [f]
INNER JOIN [files] AS [f0] ON [f].[file_id] = [f0].[id]
INNER JOIN [workspaces] AS [w] ON [f0].[workspace_id] = [w].[id]
WHERE [f].[file_id] = @blob_FileId AND [f].[version_id] = @blob_VersionId AND [f0].[workspace_id] = @blob_WorkspaceId AND [w].[organization_id] = @blob_OrganizationId

-- @p nvarchar(128)
-- @p4 uniqueidentifier
-- @p5 datetimeoffset
-- @version_FileId uniqueidentifier
-- @version_VersionId bigint
-- @staleBefore datetimeoffset
UPDATE [f]
SET [f].[verification_owner] = @p,
    [f].[verification_token] = @p4,
    [f].[verification_claimed_at] = @p5
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @version_FileId AND [f].[version_id] = @version_VersionId AND [f].[status] = N'Uploading' AND ([f].[verification_token] IS NULL OR [f].[verification_claimed_at] IS NULL OR [f].[verification_claimed_at] < @staleBefore)

-- @p datetimeoffset
-- @version_FileId uniqueidentifier
-- @version_VersionId bigint
-- @claim uniqueidentifier
UPDATE [f]
SET [f].[verification_claimed_at] = @p
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @version_FileId AND [f].[version_id] = @version_VersionId AND [f].[status] = N'Uploading' AND [f].[verification_token] = @claim

-- @p nvarchar(16)
-- @p4 nvarchar(32)
-- @p5 nvarchar(1000)
-- @version_FileId uniqueidentifier
-- @version_VersionId bigint
-- @token uniqueidentifier
UPDATE [f]
SET [f].[status] = @p,
    [f].[failure_code] = @p4,
    [f].[failure_reason] = @p5,
    [f].[verification_owner] = NULL,
    [f].[verification_token] = NULL,
    [f].[verification_claimed_at] = NULL
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @version_FileId AND [f].[version_id] = @version_VersionId AND [f].[status] = N'Uploading' AND [f].[verification_token] = @token

-- @fileId uniqueidentifier
SELECT TOP(1) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id], [w].[organization_id] AS [OrganizationId]
FROM [files] AS [f]
INNER JOIN [workspaces] AS [w] ON [f].[workspace_id] = [w].[id]
WHERE [f].[id] = @fileId

-- @file_File_WorkspaceId uniqueidentifier
SELECT [w].[id]
FROM [webhook_endpoints] AS [w]
WHERE [w].[workspace_id] = @file_File_WorkspaceId

-- @fileId uniqueidentifier
-- @id bigint
SELECT TOP(1) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @fileId AND [f].[version_id] = @id

-- @p0 uniqueidentifier
-- @p1 int
-- @p2 nvarchar(128)
-- @p3 uniqueidentifier
-- @p4 datetimeoffset
-- @p5 datetimeoffset
-- @p6 datetimeoffset
-- @p7 uniqueidentifier
-- @p8 uniqueidentifier
-- @p9 nvarchar(64)
-- @p10 datetimeoffset
-- @p11 nvarchar(1000)
-- @p12 int
-- @p13 datetimeoffset
-- @p14 nvarchar(4000)
-- @p15 nvarchar(16)
-- @p16 nvarchar(1025)
SET IMPLICIT_TRANSACTIONS OFF;
SET NOCOUNT ON;
INSERT INTO [webhook_deliveries] ([id], [attempts], [claim_owner], [claim_token], [claimed_at], [created_at], [delivered_at], [endpoint_id], [event_id], [event_type], [last_attempt_at], [last_error], [last_status_code], [next_attempt_at], [payload], [status], [subject])
VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12, @p13, @p14, @p15, @p16);

-- verify a declared checksum: a failed read releases the claim (stops at IOException)
-- @blob_FileId uniqueidentifier
-- @blob_VersionId bigint
-- @blob_WorkspaceId uniqueidentifier
-- @blob_OrganizationId uniqueidentifier
SELECT TOP(1) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
FROM [file_versions] AS [f]
INNER JOIN [files] AS [f0] ON [f].[file_id] = [f0].[id]
INNER JOIN [workspaces] AS [w] ON [f0].[workspace_id] = [w].[id]
WHERE [f].[file_id] = @blob_FileId AND [f].[version_id] = @blob_VersionId AND [f0].[workspace_id] = @blob_WorkspaceId AND [w].[organization_id] = @blob_OrganizationId

-- @p nvarchar(128)
-- @p4 uniqueidentifier
-- @p5 datetimeoffset
-- @version_FileId uniqueidentifier
-- @version_VersionId bigint
-- @staleBefore datetimeoffset
UPDATE [f]
SET [f].[verification_owner] = @p,
    [f].[verification_token] = @p4,
    [f].[verification_claimed_at] = @p5
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @version_FileId AND [f].[version_id] = @version_VersionId AND [f].[status] = N'Uploading' AND ([f].[verification_token] IS NULL OR [f].[verification_claimed_at] IS NULL OR [f].[verification_claimed_at] < @staleBefore)

-- @version_FileId uniqueidentifier
-- @version_VersionId bigint
-- @claim uniqueidentifier
UPDATE [f]
SET [f].[verification_owner] = NULL,
    [f].[verification_token] = NULL,
    [f].[verification_claimed_at] = NULL
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @version_FileId AND [f].[version_id] = @version_VersionId AND [f].[verification_token] = @claim

-- run an import whose source the blob service cannot read (completes)
-- @claim_FileId uniqueidentifier
-- @claim_VersionId bigint
-- @claim_Token uniqueidentifier
SELECT TOP(1) [f].[file_id], [f].[version_id], [f].[attempts], [f].[claim_owner], [f].[claim_token], [f].[claimed_at], [f].[created_at], [f].[last_error], [f].[next_attempt_at], [f].[organization_id], [f].[size], [f].[source_url], [f].[workspace_id]
FROM [file_imports] AS [f]
WHERE [f].[file_id] = @claim_FileId AND [f].[version_id] = @claim_VersionId AND [f].[claim_token] = @claim_Token

-- @job_FileId uniqueidentifier
-- @job_VersionId bigint
SELECT TOP(1) [f].[status]
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @job_FileId AND [f].[version_id] = @job_VersionId

-- @workspaceId uniqueidentifier
SELECT TOP(1) [w].[quota_bytes] AS [Quota], [w0].[bytes] AS [Bytes]
FROM [workspaces] AS [w]
LEFT JOIN [workspace_usage] AS [w0] ON [w].[id] = [w0].[workspace_id]
WHERE [w].[id] = @workspaceId AND [w].[quota_bytes] IS NOT NULL

-- @blob_FileId uniqueidentifier
-- @blob_VersionId bigint
-- @blob_WorkspaceId uniqueidentifier
-- @blob_OrganizationId uniqueidentifier
SELECT TOP(1) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
FROM [file_versions] AS [f]
INNER JOIN [files] AS [f0] ON [f].[file_id] = [f0].[id]
INNER JOIN [workspaces] AS [w] ON [f0].[workspace_id] = [w].[id]
WHERE [f].[file_id] = @blob_FileId AND [f].[version_id] = @blob_VersionId AND [f0].[workspace_id] = @blob_WorkspaceId AND [w].[organization_id] = @blob_OrganizationId

-- @p nvarchar(16)
-- @p4 nvarchar(32)
-- @p5 nvarchar(1000)
-- @version_FileId uniqueidentifier
-- @version_VersionId bigint
-- @staleBefore datetimeoffset
UPDATE [f]
SET [f].[status] = @p,
    [f].[failure_code] = @p4,
    [f].[failure_reason] = @p5,
    [f].[verification_owner] = NULL,
    [f].[verification_token] = NULL,
    [f].[verification_claimed_at] = NULL
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @version_FileId AND [f].[version_id] = @version_VersionId AND [f].[status] = N'Uploading' AND ([f].[verification_token] IS NULL OR [f].[verification_claimed_at] < @staleBefore)

-- @fileId uniqueidentifier
SELECT TOP(1) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id], [w].[organization_id] AS [OrganizationId]
FROM [files] AS [f]
INNER JOIN [workspaces] AS [w] ON [f].[workspace_id] = [w].[id]
WHERE [f].[id] = @fileId

-- @file_File_WorkspaceId uniqueidentifier
SELECT [w].[id]
FROM [webhook_endpoints] AS [w]
WHERE [w].[workspace_id] = @file_File_WorkspaceId

-- @fileId uniqueidentifier
-- @id bigint
SELECT TOP(1) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @fileId AND [f].[version_id] = @id

-- @p0 uniqueidentifier
-- @p1 int
-- @p2 nvarchar(128)
-- @p3 uniqueidentifier
-- @p4 datetimeoffset
-- @p5 datetimeoffset
-- @p6 datetimeoffset
-- @p7 uniqueidentifier
-- @p8 uniqueidentifier
-- @p9 nvarchar(64)
-- @p10 datetimeoffset
-- @p11 nvarchar(1000)
-- @p12 int
-- @p13 datetimeoffset
-- @p14 nvarchar(4000)
-- @p15 nvarchar(16)
-- @p16 nvarchar(1025)
SET IMPLICIT_TRANSACTIONS OFF;
SET NOCOUNT ON;
INSERT INTO [webhook_deliveries] ([id], [attempts], [claim_owner], [claim_token], [claimed_at], [created_at], [delivered_at], [endpoint_id], [event_id], [event_type], [last_attempt_at], [last_error], [last_status_code], [next_attempt_at], [payload], [status], [subject])
VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12, @p13, @p14, @p15, @p16);

-- @claim_FileId uniqueidentifier
-- @claim_VersionId bigint
-- @claim_Token uniqueidentifier
DELETE FROM [f]
FROM [file_imports] AS [f]
WHERE [f].[file_id] = @claim_FileId AND [f].[version_id] = @claim_VersionId AND [f].[claim_token] = @claim_Token

-- run an import that copies its source (completes)
-- @claim_FileId uniqueidentifier
-- @claim_VersionId bigint
-- @claim_Token uniqueidentifier
SELECT TOP(1) [f].[file_id], [f].[version_id], [f].[attempts], [f].[claim_owner], [f].[claim_token], [f].[claimed_at], [f].[created_at], [f].[last_error], [f].[next_attempt_at], [f].[organization_id], [f].[size], [f].[source_url], [f].[workspace_id]
FROM [file_imports] AS [f]
WHERE [f].[file_id] = @claim_FileId AND [f].[version_id] = @claim_VersionId AND [f].[claim_token] = @claim_Token

-- @job_FileId uniqueidentifier
-- @job_VersionId bigint
SELECT TOP(1) [f].[status]
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @job_FileId AND [f].[version_id] = @job_VersionId

-- @workspaceId uniqueidentifier
SELECT TOP(1) [w].[quota_bytes] AS [Quota], [w0].[bytes] AS [Bytes]
FROM [workspaces] AS [w]
LEFT JOIN [workspace_usage] AS [w0] ON [w].[id] = [w0].[workspace_id]
WHERE [w].[id] = @workspaceId AND [w].[quota_bytes] IS NOT NULL

-- @claim_FileId uniqueidentifier
-- @claim_VersionId bigint
-- @claim_Token uniqueidentifier
DELETE FROM [f]
FROM [file_imports] AS [f]
WHERE [f].[file_id] = @claim_FileId AND [f].[version_id] = @claim_VersionId AND [f].[claim_token] = @claim_Token

-- @blob_FileId uniqueidentifier
-- @blob_VersionId bigint
-- @blob_WorkspaceId uniqueidentifier
-- @blob_OrganizationId uniqueidentifier
SELECT TOP(1) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
FROM [file_versions] AS [f]
INNER JOIN [files] AS [f0] ON [f].[file_id] = [f0].[id]
INNER JOIN [workspaces] AS [w] ON [f0].[workspace_id] = [w].[id]
WHERE [f].[file_id] = @blob_FileId AND [f].[version_id] = @blob_VersionId AND [f0].[workspace_id] = @blob_WorkspaceId AND [w].[organization_id] = @blob_OrganizationId

-- @p uniqueidentifier
-- @version_FileId uniqueidentifier
-- @version_VersionId bigint
UPDATE [f]
SET [f].[seal_lease_id] = @p
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @version_FileId AND [f].[version_id] = @version_VersionId AND [f].[seal_lease_id] IS NULL

-- @versions nvarchar(-1)
-- @now datetimeoffset
-- @stale_before datetimeoffset
SET NOCOUNT ON;
DECLARE @input TABLE (file_id uniqueidentifier NOT NULL, version_id bigint NOT NULL, size bigint NOT NULL, etag nvarchar(256) NOT NULL,
    blob_version_id nvarchar(256) NULL, blob_snapshot nvarchar(64) NULL, verified nvarchar(64) NULL, token uniqueidentifier NULL,
    PRIMARY KEY (file_id, version_id));
DECLARE @locked TABLE (id uniqueidentifier NOT NULL PRIMARY KEY, workspace_id uniqueidentifier NOT NULL, deleted_at datetimeoffset NULL,
    current_version_id bigint NULL);
DECLARE @judged TABLE (file_id uniqueidentifier NOT NULL, version_id bigint NOT NULL, workspace_id uniqueidentifier NOT NULL,
    live bit NOT NULL, first_ready bit NOT NULL, over_quota bit NOT NULL, PRIMARY KEY (file_id, version_id));
DECLARE @ready TABLE (file_id uniqueidentifier NOT NULL, version_id bigint NOT NULL, size bigint NULL, created_at datetimeoffset NOT NULL);
INSERT INTO @input (file_id, version_id, size, etag, blob_version_id, blob_snapshot, verified, token)
SELECT file_id, version_id, size, etag, blob_version_id, blob_snapshot, verified, token
  FROM OPENJSON(@versions) WITH (file_id uniqueidentifier '$.file_id', version_id bigint '$.version_id', size bigint '$.size',
       etag nvarchar(256) '$.etag', blob_version_id nvarchar(256) '$.blob_version_id', blob_snapshot nvarchar(64) '$.blob_snapshot',
       verified nvarchar(64) '$.verified',
       token uniqueidentifier '$.token');
INSERT INTO @locked (id, workspace_id, deleted_at, current_version_id)
SELECT id, workspace_id, deleted_at, current_version_id FROM files WITH (UPDLOCK, ROWLOCK) WHERE id IN (SELECT file_id FROM @input);
INSERT INTO @judged (file_id, version_id, workspace_id, live, first_ready, over_quota)
SELECT c.file_id, c.version_id, c.workspace_id, c.live, c.first_ready,
       CASE WHEN c.live = 1 AND w.quota_bytes IS NOT NULL
             AND COALESCE(u.bytes, 0) + SUM(c.size) OVER (PARTITION BY c.workspace_id, c.live ORDER BY c.size, c.file_id, c.version_id
                                                          ROWS UNBOUNDED PRECEDING) > w.quota_bytes
            THEN 1 ELSE 0 END
  FROM (SELECT i.file_id, i.version_id, i.size, l.workspace_id,
               CASE WHEN l.deleted_at IS NULL THEN 1 ELSE 0 END AS live, CASE WHEN l.current_version_id IS NULL THEN 1 ELSE 0 END AS first_ready
          FROM @input AS i
          JOIN @locked AS l ON l.id = i.file_id
          JOIN file_versions AS v ON v.file_id = i.file_id AND v.version_id = i.version_id
         WHERE v.status = N'Uploading'
           AND ((i.token IS NOT NULL AND v.verification_token = i.token)
                OR (i.token IS NULL AND (v.verification_token IS NULL OR v.verification_claimed_at < @stale_before)))) AS c
  JOIN workspaces AS w ON w.id = c.workspace_id
  LEFT JOIN workspace_usage AS u WITH (UPDLOCK, HOLDLOCK) ON u.workspace_id = c.workspace_id AND c.live = 1;
UPDATE v
   SET status = N'Ready', size = i.size, etag = i.etag, blob_version_id = i.blob_version_id, blob_snapshot = i.blob_snapshot,
       verified = i.verified, ready_at = @now,
       verification_owner = NULL, verification_token = NULL, verification_claimed_at = NULL
OUTPUT inserted.file_id, inserted.version_id, inserted.size, inserted.created_at INTO @ready
  FROM file_versions AS v
  JOIN @input AS i ON i.file_id = v.file_id AND i.version_id = v.version_id
  JOIN @judged AS j ON j.file_id = v.file_id AND j.version_id = v.version_id
 WHERE j.over_quota = 0 AND v.status = N'Uploading'
   AND ((i.token IS NOT NULL AND v.verification_token = i.token)
        OR (i.token IS NULL AND (v.verification_token IS NULL OR v.verification_claimed_at < @stale_before)));
UPDATE f SET current_version_id = r.version_id, current_size = r.size, modified_at = r.created_at
  FROM files AS f
  JOIN (SELECT file_id, version_id, size, created_at, ROW_NUMBER() OVER (PARTITION BY file_id ORDER BY version_id DESC) AS newest
          FROM @ready) AS r ON r.file_id = f.id AND r.newest = 1
 WHERE f.current_version_id IS NULL OR f.current_version_id < r.version_id;
MERGE workspace_usage WITH (HOLDLOCK) AS u
USING (SELECT j.workspace_id, SUM(CAST(j.first_ready AS int)) AS files, SUM(r.size) AS bytes
         FROM @ready AS r JOIN @judged AS j ON j.file_id = r.file_id AND j.version_id = r.version_id
        WHERE j.live = 1
        GROUP BY j.workspace_id) AS s
   ON u.workspace_id = s.workspace_id
WHEN MATCHED THEN UPDATE SET files = u.files + s.files, bytes = u.bytes + s.bytes
WHEN NOT MATCHED THEN INSERT (workspace_id, files, bytes) VALUES (s.workspace_id, s.files, s.bytes);
SELECT i.file_id AS [FileId], i.version_id AS [VersionId],
       CASE WHEN r.file_id IS NOT NULL THEN N'ready'
            WHEN j.file_id IS NULL OR j.live = 0 THEN N'settled'
            WHEN j.over_quota = 1 THEN N'over-quota'
            ELSE N'stale' END AS [Outcome],
       CAST(CASE WHEN EXISTS (SELECT 1 FROM webhook_endpoints AS e WHERE e.workspace_id = j.workspace_id) THEN 1 ELSE 0 END AS bit) AS [Watched]
  FROM @input AS i
  LEFT JOIN @judged AS j ON j.file_id = i.file_id AND j.version_id = i.version_id
  LEFT JOIN @ready AS r ON r.file_id = i.file_id AND r.version_id = i.version_id;

-- @fileIds1 uniqueidentifier
SELECT [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id], [w].[organization_id] AS [OrganizationId]
FROM [files] AS [f]
INNER JOIN [workspaces] AS [w] ON [f].[workspace_id] = [w].[id]
WHERE [f].[id] = @fileIds1

-- @workspaceIds1 uniqueidentifier
SELECT [w].[workspace_id] AS [WorkspaceId], [w].[id] AS [Id]
FROM [webhook_endpoints] AS [w]
WHERE [w].[workspace_id] = @workspaceIds1

-- record a delivery's unfinished versions as reported (completes)
-- @versions nvarchar(-1)
-- @now datetimeoffset
SET NOCOUNT ON;
DECLARE @reported TABLE (file_id uniqueidentifier NOT NULL, version_id bigint NOT NULL, PRIMARY KEY (file_id, version_id));
INSERT INTO @reported (file_id, version_id)
SELECT DISTINCT file_id, version_id FROM OPENJSON(@versions) WITH (file_id uniqueidentifier '$.file_id', version_id bigint '$.version_id');
UPDATE v SET blob_reported_at = @now
  FROM @reported AS r
  INNER LOOP JOIN file_versions AS v WITH (ROWLOCK) ON v.file_id = r.file_id AND v.version_id = r.version_id
 WHERE v.status = N'Uploading' AND v.blob_reported_at IS NULL
OPTION (FORCE ORDER);

-- reconciler pass with the orphan sweep (completes)
-- @p int
-- @reportedBefore datetimeoffset
-- @liveClaimAfter datetimeoffset
SELECT [f1].[file_id], [f1].[version_id], [f1].[blob_reported_at], [f1].[blob_snapshot], [f1].[blob_version_id], [f1].[content_type], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[declared_md5], [f1].[declared_sha256], [f1].[declared_size], [f1].[etag], [f1].[failure_code], [f1].[failure_reason], [f1].[last_checked_at], [f1].[metadata], [f1].[ready_at], [f1].[seal_lease_id], [f1].[size], [f1].[status], [f1].[upload_expires_at], [f1].[verification_claimed_at], [f1].[verification_owner], [f1].[verification_token], [f1].[verified], [w].[organization_id], [f0].[workspace_id]
FROM (
    SELECT TOP(@p) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified], COALESCE([f].[last_checked_at], [f].[blob_reported_at]) AS [c]
    FROM [file_versions] AS [f]
    WHERE [f].[status] = N'Uploading' AND [f].[blob_reported_at] <= @reportedBefore AND ([f].[verification_token] IS NULL OR [f].[verification_claimed_at] < @liveClaimAfter)
    ORDER BY COALESCE([f].[last_checked_at], [f].[blob_reported_at])
) AS [f1]
INNER JOIN [files] AS [f0] ON [f1].[file_id] = [f0].[id]
INNER JOIN [workspaces] AS [w] ON [f0].[workspace_id] = [w].[id]
ORDER BY [f1].[c]

-- @p int
-- @registeredBefore datetimeoffset
-- @expiredBefore datetimeoffset
SELECT [f1].[file_id], [f1].[version_id], [f1].[blob_reported_at], [f1].[blob_snapshot], [f1].[blob_version_id], [f1].[content_type], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[declared_md5], [f1].[declared_sha256], [f1].[declared_size], [f1].[etag], [f1].[failure_code], [f1].[failure_reason], [f1].[last_checked_at], [f1].[metadata], [f1].[ready_at], [f1].[seal_lease_id], [f1].[size], [f1].[status], [f1].[upload_expires_at], [f1].[verification_claimed_at], [f1].[verification_owner], [f1].[verification_token], [f1].[verified], [w].[organization_id], [f0].[workspace_id]
FROM (
    SELECT TOP(@p) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified], COALESCE([f].[last_checked_at], [f].[created_at]) AS [c]
    FROM [file_versions] AS [f]
    WHERE [f].[status] = N'Uploading' AND [f].[created_at] <= @registeredBefore AND [f].[upload_expires_at] >= @expiredBefore
    ORDER BY COALESCE([f].[last_checked_at], [f].[created_at])
) AS [f1]
INNER JOIN [files] AS [f0] ON [f1].[file_id] = [f0].[id]
INNER JOIN [workspaces] AS [w] ON [f0].[workspace_id] = [w].[id]
ORDER BY [f1].[c]

-- @p int
-- @expiredBefore datetimeoffset
SELECT [f1].[file_id], [f1].[version_id], [f1].[blob_reported_at], [f1].[blob_snapshot], [f1].[blob_version_id], [f1].[content_type], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[declared_md5], [f1].[declared_sha256], [f1].[declared_size], [f1].[etag], [f1].[failure_code], [f1].[failure_reason], [f1].[last_checked_at], [f1].[metadata], [f1].[ready_at], [f1].[seal_lease_id], [f1].[size], [f1].[status], [f1].[upload_expires_at], [f1].[verification_claimed_at], [f1].[verification_owner], [f1].[verification_token], [f1].[verified], [w].[organization_id], [f0].[workspace_id]
FROM (
    SELECT TOP(@p) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
    FROM [file_versions] AS [f]
    WHERE [f].[status] = N'Uploading' AND [f].[upload_expires_at] < @expiredBefore
) AS [f1]
INNER JOIN [files] AS [f0] ON [f1].[file_id] = [f0].[id]
INNER JOIN [workspaces] AS [w] ON [f0].[workspace_id] = [w].[id]

-- @p int
-- @deletedBefore datetimeoffset
SELECT TOP(@p) [f].[id] AS [Id], [f].[workspace_id] AS [WorkspaceId], [w].[organization_id] AS [OrganizationId]
FROM [files] AS [f]
INNER JOIN [workspaces] AS [w] ON [f].[workspace_id] = [w].[id]
WHERE [f].[deleted_at] < @deletedBefore

-- @fileIds1 uniqueidentifier
-- @fileIds2 uniqueidentifier
-- @fileIds3 uniqueidentifier
-- @versionIds1 bigint
SELECT [f].[file_id], [f].[version_id]
FROM [file_versions] AS [f]
WHERE [f].[file_id] IN (@fileIds1, @fileIds2, @fileIds3) AND [f].[version_id] = @versionIds1 AND [f].[status] <> N'Failed'

-- @p int
SELECT [f1].[file_id], [f1].[version_id], [f1].[blob_reported_at], [f1].[blob_snapshot], [f1].[blob_version_id], [f1].[content_type], [f1].[created_at], [f1].[created_by_email], [f1].[created_by_id], [f1].[created_by_name], [f1].[declared_md5], [f1].[declared_sha256], [f1].[declared_size], [f1].[etag], [f1].[failure_code], [f1].[failure_reason], [f1].[last_checked_at], [f1].[metadata], [f1].[ready_at], [f1].[seal_lease_id], [f1].[size], [f1].[status], [f1].[upload_expires_at], [f1].[verification_claimed_at], [f1].[verification_owner], [f1].[verification_token], [f1].[verified], [w].[organization_id], [f0].[workspace_id]
FROM (
    SELECT TOP(@p) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
    FROM [file_versions] AS [f]
    WHERE [f].[status] = N'Ready' AND [f].[seal_lease_id] IS NULL AND [f].[blob_version_id] IS NULL
    ORDER BY [f].[file_id], [f].[version_id]
) AS [f1]
INNER JOIN [files] AS [f0] ON [f1].[file_id] = [f0].[id]
INNER JOIN [workspaces] AS [w] ON [f0].[workspace_id] = [w].[id]
ORDER BY [f1].[file_id], [f1].[version_id]

