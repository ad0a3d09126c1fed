-- register at a path, with an import job (completes)
-- @workspace_id uniqueidentifier
-- @candidate bigint
-- @step bigint
-- @caller_id nvarchar(6)
-- @caller_name nvarchar(8)
-- @caller_email nvarchar(18)
-- @upload_expires_at datetimeoffset
-- @declared_size bigint
-- @declared_md5 nvarchar
-- @declared_sha256 nvarchar
-- @content_type nvarchar
-- @metadata nvarchar(-1)
-- @seal_lease_id uniqueidentifier
-- @r0 nvarchar(77)
-- @r1 nvarchar(77)
-- @rx nvarchar(77)
-- @a0 varchar(1668)
-- @a1 varchar(1668)
-- @under_from varchar(1669)
-- @under_to varchar(1669)
-- @id uniqueidentifier
-- @folder nvarchar(14)
-- @name nvarchar(5)
-- @path_key varchar(1668)
-- @now datetimeoffset
SET NOCOUNT ON;
DECLARE @result int;
EXEC @result = sp_getapplock @Resource = @r0, @LockMode = 'Shared', @LockOwner = 'Transaction';
IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;
EXEC @result = sp_getapplock @Resource = @r1, @LockMode = 'Shared', @LockOwner = 'Transaction';
IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;
EXEC @result = sp_getapplock @Resource = @rx, @LockMode = 'Exclusive', @LockOwner = 'Transaction';
IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;
DECLARE @allocated TABLE (id uniqueidentifier, latest_version_id bigint);
IF NOT EXISTS (SELECT 1 FROM files WHERE workspace_id = @workspace_id AND deleted_at IS NULL
                  AND (path_key IN (@a0, @a1) OR (path_key >= @under_from AND path_key < @under_to)))
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

-- register a new version of a file (completes)
-- @workspace_id uniqueidentifier
-- @candidate bigint
-- @step bigint
-- @caller_id nvarchar(6)
-- @caller_name nvarchar(8)
-- @caller_email nvarchar(18)
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

-- renew an upload link (completes)
-- @p datetimeoffset
-- @fileId uniqueidentifier
-- @versionId bigint
-- @abandonedBefore datetimeoffset
-- @caller_Id nvarchar(128)
-- @scope_WorkspaceId uniqueidentifier
UPDATE [f]
SET [f].[upload_expires_at] = @p
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @fileId AND [f].[version_id] = @versionId AND [f].[status] = N'Uploading' AND [f].[upload_expires_at] >= @abandonedBefore AND [f].[created_by_id] = @caller_Id AND EXISTS (
    SELECT 1
    FROM [files] AS [f0]
    WHERE [f0].[id] = [f].[file_id] AND [f0].[workspace_id] = @scope_WorkspaceId AND [f0].[deleted_at] IS NULL)

-- @fileId uniqueidentifier
-- @versionId bigint
-- @scope_WorkspaceId uniqueidentifier
SELECT TOP(1) [f].[status] AS [Status], [f].[created_by_id] AS [CreatedById]
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @fileId AND [f].[version_id] = @versionId AND EXISTS (
    SELECT 1
    FROM [files] AS [f0]
    WHERE [f0].[id] = [f].[file_id] AND [f0].[workspace_id] = @scope_WorkspaceId)

-- abort an upload (stops at AggregateException)
-- @p nvarchar(16)
-- @p6 nvarchar(32)
-- @p7 nvarchar(1000)
-- @fileId uniqueidentifier
-- @versionId bigint
-- @caller_Id nvarchar(128)
-- @scope_WorkspaceId uniqueidentifier
UPDATE [f]
SET [f].[status] = @p,
    [f].[failure_code] = @p6,
    [f].[failure_reason] = @p7,
    [f].[verification_owner] = NULL,
    [f].[verification_token] = NULL,
    [f].[verification_claimed_at] = NULL
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @fileId AND [f].[version_id] = @versionId AND [f].[status] = N'Uploading' AND [f].[created_by_id] = @caller_Id AND EXISTS (
    SELECT 1
    FROM [files] AS [f0]
    WHERE [f0].[id] = [f].[file_id] AND [f0].[workspace_id] = @scope_WorkspaceId)

-- @fileId uniqueidentifier
SELECT TOP(1) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id], [w].[organization_id] AS [OrganizationId]
FROM [files] AS [f]
INNER JOIN [workspaces] AS [w] ON [f].[workspace_id] = [w].[id]
WHERE [f].[id] = @fileId

-- complete an upload (unknown version) (completes)
-- @blob_FileId uniqueidentifier
-- @blob_VersionId bigint
-- @blob_WorkspaceId uniqueidentifier
-- @blob_OrganizationId uniqueidentifier
SELECT TOP(1) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
FROM [file_versions] AS [f]
INNER JOIN [files] AS [f0] ON [f].[file_id] = [f0].[id]
INNER JOIN [workspaces] AS [w] ON [f0].[workspace_id] = [w].[id]
WHERE [f].[file_id] = @blob_FileId AND [f].[version_id] = @blob_VersionId AND [f0].[workspace_id] = @blob_WorkspaceId AND [w].[organization_id] = @blob_OrganizationId

-- verify an upload (unknown version) (completes)
-- @blob_FileId uniqueidentifier
-- @blob_VersionId bigint
-- @blob_WorkspaceId uniqueidentifier
-- @blob_OrganizationId uniqueidentifier
SELECT TOP(1) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
FROM [file_versions] AS [f]
INNER JOIN [files] AS [f0] ON [f].[file_id] = [f0].[id]
INNER JOIN [workspaces] AS [w] ON [f0].[workspace_id] = [w].[id]
WHERE [f].[file_id] = @blob_FileId AND [f].[version_id] = @blob_VersionId AND [f0].[workspace_id] = @blob_WorkspaceId AND [w].[organization_id] = @blob_OrganizationId

-- versions of blobs (completes)
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

-- fail an import (unknown version) (completes)
-- @blob_FileId uniqueidentifier
-- @blob_VersionId bigint
-- @blob_WorkspaceId uniqueidentifier
-- @blob_OrganizationId uniqueidentifier
SELECT TOP(1) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
FROM [file_versions] AS [f]
INNER JOIN [files] AS [f0] ON [f].[file_id] = [f0].[id]
INNER JOIN [workspaces] AS [w] ON [f0].[workspace_id] = [w].[id]
WHERE [f].[file_id] = @blob_FileId AND [f].[version_id] = @blob_VersionId AND [f0].[workspace_id] = @blob_WorkspaceId AND [w].[organization_id] = @blob_OrganizationId

-- fail an import of an uploading version (stops at AggregateException)
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

-- expire an upload (stops at AggregateException)
-- @p nvarchar(16)
-- @p5 nvarchar(32)
-- @p6 nvarchar(1000)
-- @blob_FileId uniqueidentifier
-- @blob_VersionId bigint
-- @abandonedBefore datetimeoffset
-- @staleBefore datetimeoffset
UPDATE [f]
SET [f].[status] = @p,
    [f].[failure_code] = @p5,
    [f].[failure_reason] = @p6,
    [f].[verification_owner] = NULL,
    [f].[verification_token] = NULL,
    [f].[verification_claimed_at] = NULL
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @blob_FileId AND [f].[version_id] = @blob_VersionId AND [f].[status] = N'Uploading' AND [f].[upload_expires_at] < @abandonedBefore AND ([f].[verification_token] IS NULL OR [f].[verification_claimed_at] < @staleBefore)

-- @fileId uniqueidentifier
SELECT TOP(1) [f].[id], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[current_size], [f].[current_version_id], [f].[deleted_at], [f].[deleted_by_email], [f].[deleted_by_id], [f].[deleted_by_name], [f].[folder], [f].[folder_key], [f].[latest_version_id], [f].[modified_at], [f].[name], [f].[name_key], [f].[path_key], [f].[workspace_id], [w].[organization_id] AS [OrganizationId]
FROM [files] AS [f]
INNER JOIN [workspaces] AS [w] ON [f].[workspace_id] = [w].[id]
WHERE [f].[id] = @fileId

-- record a reconciler check (completes)
-- @p datetimeoffset
-- @fileId uniqueidentifier
-- @versionId bigint
UPDATE [f]
SET [f].[last_checked_at] = @p
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @fileId AND [f].[version_id] = @versionId

-- delete a file (completes)
-- @fileId uniqueidentifier
-- @workspaceId uniqueidentifier
SELECT TOP(1) [f].[id]
FROM [files] AS [f]
WHERE [f].[id] = @fileId AND [f].[workspace_id] = @workspaceId AND [f].[deleted_at] IS NULL

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

-- restore a file (completes)
-- @r0 nvarchar(77)
-- @r1 nvarchar(77)
-- @rx nvarchar(77)
SET NOCOUNT ON;
DECLARE @result int;
EXEC @result = sp_getapplock @Resource = @r0, @LockMode = 'Shared', @LockOwner = 'Transaction';
IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;
EXEC @result = sp_getapplock @Resource = @r1, @LockMode = 'Shared', @LockOwner = 'Transaction';
IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;
EXEC @result = sp_getapplock @Resource = @rx, @LockMode = 'Exclusive', @LockOwner = 'Transaction';
IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;

-- @scope_WorkspaceId uniqueidentifier
-- @ancestors1 varchar(1668)
-- @ancestors2 varchar(1668)
-- @under_startswith varchar(1668)
SELECT CASE
    WHEN EXISTS (
        SELECT 1
        FROM [files] AS [f]
        WHERE [f].[workspace_id] = @scope_WorkspaceId AND [f].[deleted_at] IS NULL AND ([f].[path_key] IN (@ancestors1, @ancestors2) OR [f].[path_key] LIKE @under_startswith ESCAPE '\')) THEN CAST(1 AS bit)
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

-- purge a deleted file (completes)
-- @fileId uniqueidentifier
-- @deletedBefore datetimeoffset
DELETE FROM [f]
FROM [files] AS [f]
WHERE [f].[id] = @fileId AND [f].[deleted_at] < @deletedBefore

-- describe a file with its version list (completes)
-- @p int
-- @file_Id uniqueidentifier
SELECT TOP(@p) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @file_Id AND [f].[status] = N'Ready'
ORDER BY [f].[version_id] DESC

-- wait for a version to finish (completes)
-- @fileId uniqueidentifier
-- @versionId bigint
SELECT TOP(1) [f].[file_id], [f].[version_id], [f].[blob_reported_at], [f].[blob_snapshot], [f].[blob_version_id], [f].[content_type], [f].[created_at], [f].[created_by_email], [f].[created_by_id], [f].[created_by_name], [f].[declared_md5], [f].[declared_sha256], [f].[declared_size], [f].[etag], [f].[failure_code], [f].[failure_reason], [f].[last_checked_at], [f].[metadata], [f].[ready_at], [f].[seal_lease_id], [f].[size], [f].[status], [f].[upload_expires_at], [f].[verification_claimed_at], [f].[verification_owner], [f].[verification_token], [f].[verified]
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @fileId AND [f].[version_id] = @versionId

-- wake waiters of finished versions (completes)
-- @fileIds1 uniqueidentifier
SELECT [f].[file_id] AS [FileId], [f].[version_id] AS [VersionId]
FROM [file_versions] AS [f]
WHERE [f].[file_id] = @fileIds1 AND [f].[status] <> N'Uploading'

-- write an event to the outbox (completes)
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

-- claim due webhook deliveries (completes)
-- @p int
-- @now datetimeoffset
-- @staleBefore datetimeoffset
SELECT TOP(@p) [w].[id]
FROM [webhook_deliveries] AS [w]
WHERE [w].[status] = N'Pending' AND [w].[next_attempt_at] <= @now AND ([w].[claim_token] IS NULL OR [w].[claimed_at] < @staleBefore)
ORDER BY [w].[next_attempt_at]

-- @p nvarchar(128)
-- @p3 uniqueidentifier
-- @p4 datetimeoffset
-- @_8__locals2_id uniqueidentifier
-- @_8__locals2_8__locals1_staleBefore datetimeoffset
UPDATE [w]
SET [w].[claim_owner] = @p,
    [w].[claim_token] = @p3,
    [w].[claimed_at] = @p4
FROM [webhook_deliveries] AS [w]
WHERE [w].[id] = @_8__locals2_id AND [w].[status] = N'Pending' AND ([w].[claim_token] IS NULL OR [w].[claimed_at] < @_8__locals2_8__locals1_staleBefore)

-- deliver a webhook (claim lost) (completes)
-- @claim_DeliveryId uniqueidentifier
-- @claim_Token uniqueidentifier
SELECT TOP(1) [w].[id] AS [Id], [w].[payload] AS [Payload], [w].[attempts] AS [Attempts], [w].[created_at] AS [CreatedAt], [w0].[id], [w0].[created_at], [w0].[created_by_id], [w0].[last_attempt_at], [w0].[last_error], [w0].[last_status_code], [w0].[last_success_at], [w0].[previous_secret], [w0].[previous_secret_expires_at], [w0].[secret], [w0].[url], [w0].[workspace_id]
FROM [webhook_deliveries] AS [w]
INNER JOIN [webhook_endpoints] AS [w0] ON [w].[endpoint_id] = [w0].[id]
WHERE [w].[id] = @claim_DeliveryId AND [w].[claim_token] = @claim_Token

-- deliver a webhook to an endpoint that refuses (completes)
-- @claim_DeliveryId uniqueidentifier
-- @claim_Token uniqueidentifier
SELECT TOP(1) [w].[id] AS [Id], [w].[payload] AS [Payload], [w].[attempts] AS [Attempts], [w].[created_at] AS [CreatedAt], [w0].[id], [w0].[created_at], [w0].[created_by_id], [w0].[last_attempt_at], [w0].[last_error], [w0].[last_status_code], [w0].[last_success_at], [w0].[previous_secret], [w0].[previous_secret_expires_at], [w0].[secret], [w0].[url], [w0].[workspace_id]
FROM [webhook_deliveries] AS [w]
INNER JOIN [webhook_endpoints] AS [w0] ON [w].[endpoint_id] = [w0].[id]
WHERE [w].[id] = @claim_DeliveryId AND [w].[claim_token] = @claim_Token

-- @p nvarchar(16)
-- @p3 int
-- @p4 datetimeoffset
-- @p6 nvarchar(1000)
-- @p8 datetimeoffset
-- @claim_DeliveryId uniqueidentifier
-- @claim_Token uniqueidentifier
UPDATE [w]
SET [w].[status] = @p,
    [w].[attempts] = @p3,
    [w].[last_attempt_at] = @p4,
    [w].[last_status_code] = NULL,
    [w].[last_error] = @p6,
    [w].[delivered_at] = NULL,
    [w].[next_attempt_at] = @p8,
    [w].[claim_owner] = NULL,
    [w].[claim_token] = NULL,
    [w].[claimed_at] = NULL
FROM [webhook_deliveries] AS [w]
WHERE [w].[id] = @claim_DeliveryId AND [w].[claim_token] = @claim_Token

-- @p datetimeoffset
-- @p3 nvarchar(1000)
-- @delivery_Endpoint_Id uniqueidentifier
UPDATE [w]
SET [w].[last_attempt_at] = @p,
    [w].[last_status_code] = NULL,
    [w].[last_error] = @p3,
    [w].[last_success_at] = [w].[last_success_at]
FROM [webhook_endpoints] AS [w]
WHERE [w].[id] = @delivery_Endpoint_Id

-- claim due imports (completes)
-- @p int
-- @now datetimeoffset
-- @staleBefore datetimeoffset
SELECT TOP(@p) [f].[file_id] AS [FileId], [f].[version_id] AS [VersionId]
FROM [file_imports] AS [f]
WHERE [f].[next_attempt_at] <= @now AND ([f].[claim_token] IS NULL OR [f].[claimed_at] < @staleBefore)
ORDER BY [f].[next_attempt_at]

-- @p nvarchar(128)
-- @p4 uniqueidentifier
-- @p5 datetimeoffset
-- @_8__locals2_job_FileId uniqueidentifier
-- @_8__locals2_job_VersionId bigint
-- @_8__locals2_8__locals1_staleBefore datetimeoffset
UPDATE [f]
SET [f].[claim_owner] = @p,
    [f].[claim_token] = @p4,
    [f].[claimed_at] = @p5
FROM [file_imports] AS [f]
WHERE [f].[file_id] = @_8__locals2_job_FileId AND [f].[version_id] = @_8__locals2_job_VersionId AND ([f].[claim_token] IS NULL OR [f].[claimed_at] < @_8__locals2_8__locals1_staleBefore)

-- run an import (claim lost) (completes)
-- @claim_FileId uniqueidentifier
-- @claim_VersionId bigint
-- @claim_Token uniqueidentifier
SELECT TOP(1) [f].[file_id], [f].[version_id], [f].[attempts], [f].[claim_owner], [f].[claim_token], [f].[claimed_at], [f].[created_at], [f].[last_error], [f].[next_attempt_at], [f].[organization_id], [f].[size], [f].[source_url], [f].[workspace_id]
FROM [file_imports] AS [f]
WHERE [f].[file_id] = @claim_FileId AND [f].[version_id] = @claim_VersionId AND [f].[claim_token] = @claim_Token

-- run an import whose version settled meanwhile (completes)
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

-- @claim_FileId uniqueidentifier
-- @claim_VersionId bigint
-- @claim_Token uniqueidentifier
DELETE FROM [f]
FROM [file_imports] AS [f]
WHERE [f].[file_id] = @claim_FileId AND [f].[version_id] = @claim_VersionId AND [f].[claim_token] = @claim_Token

-- reconciler pass (completes)
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

-- refuse a declared size over quota (completes)
-- @workspaceId uniqueidentifier
SELECT TOP(1) [w].[quota_bytes] AS [Quota], [w0].[bytes] AS [Bytes]
FROM [workspaces] AS [w]
LEFT JOIN [workspace_usage] AS [w0] ON [w].[id] = [w0].[workspace_id]
WHERE [w].[id] = @workspaceId AND [w].[quota_bytes] IS NOT NULL

-- development seed (completes)
SELECT TOP(1) [o].[id], [o].[created_at], [o].[name]
FROM [organizations] AS [o]
WHERE [o].[name] = N'Demo organisation'

-- @organization_Id uniqueidentifier
SELECT TOP(1) [w].[id], [w].[created_at], [w].[name], [w].[organization_id], [w].[quota_bytes]
FROM [workspaces] AS [w]
WHERE [w].[organization_id] = @organization_Id AND [w].[name] = N'Demo workspace'

-- @workspace_Id uniqueidentifier
-- @tenantId nvarchar(128)
-- @userId nvarchar(128)
SELECT CASE
    WHEN EXISTS (
        SELECT 1
        FROM [workspace_members] AS [w]
        WHERE [w].[workspace_id] = @workspace_Id AND [w].[tenant_id] = @tenantId AND [w].[user_id] = @userId) THEN CAST(1 AS bit)
    ELSE CAST(0 AS bit)
END

-- @p0 uniqueidentifier
-- @p1 datetimeoffset
-- @p2 nvarchar(200)
-- @p3 uniqueidentifier
-- @p4 nvarchar(128)
-- @p5 nvarchar(128)
-- @p6 datetimeoffset
-- @p7 uniqueidentifier
-- @p8 datetimeoffset
-- @p9 nvarchar(200)
-- @p10 uniqueidentifier
-- @p11 bigint
-- @p12 nvarchar(128)
-- @p13 nvarchar(128)
-- @p14 uniqueidentifier
-- @p15 nvarchar(256)
-- @p16 datetimeoffset
-- @p17 nvarchar(128)
-- @p18 nvarchar(256)
-- @p19 nvarchar(16)
SET NOCOUNT ON;
INSERT INTO [organizations] ([id], [created_at], [name])
VALUES (@p0, @p1, @p2);
INSERT INTO [organization_admins] ([organization_id], [tenant_id], [user_id], [granted_at])
VALUES (@p3, @p4, @p5, @p6);
INSERT INTO [workspaces] ([id], [created_at], [name], [organization_id], [quota_bytes])
VALUES (@p7, @p8, @p9, @p10, @p11);
INSERT INTO [workspace_members] ([tenant_id], [user_id], [workspace_id], [email], [granted_at], [granted_by_id], [name], [role])
VALUES (@p12, @p13, @p14, @p15, @p16, @p17, @p18, @p19);

