-- reconciler lock
DECLARE @result int;
EXEC @result = sp_getapplock @Resource = N'FileApi.Reconciler', @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0;
SELECT @result;

-- reconciler unlock
EXEC sp_releaseapplock @Resource = N'FileApi.Reconciler', @LockOwner = 'Session';

-- migration session lock
EXEC sp_getapplock @Resource = N'FileApi.Migrations', @LockMode = 'Exclusive', @LockOwner = 'Session';

-- migration session unlock
EXEC sp_releaseapplock @Resource = N'FileApi.Migrations', @LockOwner = 'Session';

-- migration adoption lock
EXEC sp_getapplock @Resource = N'FileApi.Adoption', @LockMode = 'Exclusive', @LockOwner = 'Transaction';

-- legacy schema probe
SELECT CAST(CASE WHEN OBJECT_ID(N'schema_migrations') IS NULL THEN 0 ELSE 1 END AS bit) AS [Value]

-- version allocation at a path
SET NOCOUNT ON;
DECLARE @allocated TABLE (id uniqueidentifier, latest_version_id bigint);
MERGE files WITH (HOLDLOCK) AS f
USING (SELECT @workspace_id AS workspace_id, @path_key AS path_key) AS s
   ON f.workspace_id = s.workspace_id AND f.path_key = s.path_key AND f.deleted_at IS NULL
WHEN MATCHED THEN
    UPDATE SET latest_version_id = CASE WHEN @candidate > f.latest_version_id + @step THEN @candidate ELSE f.latest_version_id + @step END
WHEN NOT MATCHED THEN
    INSERT (id, workspace_id, folder, name, path_key, latest_version_id, created_at, created_by_id, created_by_name, created_by_email)
    VALUES (@id, @workspace_id, @folder, @name, @path_key, @candidate, @now, @caller_id, @caller_name, @caller_email)
OUTPUT inserted.id, inserted.latest_version_id INTO @allocated;INSERT INTO file_versions (file_id, version_id, status, created_at, created_by_id, created_by_name, created_by_email,
                           upload_expires_at, declared_size, declared_md5, declared_sha256, content_type, metadata)
OUTPUT inserted.file_id AS [FileId], inserted.version_id AS [VersionId]
SELECT id, latest_version_id, N'Uploading',
       DATEADD(microsecond, CAST((latest_version_id / @step) % 1000000 AS int),
         DATEADD(second, CAST((latest_version_id / @step / 1000000) % 86400 AS int),
           DATEADD(day, CAST(latest_version_id / @step / 86400000000 AS int), CAST('1970-01-01T00:00:00+00:00' AS datetimeoffset)))),
       @caller_id, @caller_name, @caller_email, @upload_expires_at, @declared_size, @declared_md5, @declared_sha256,
       @content_type, @metadata
  FROM @allocated;

-- version allocation for a file
SET NOCOUNT ON;
DECLARE @allocated TABLE (id uniqueidentifier, latest_version_id bigint);
UPDATE files SET latest_version_id = CASE WHEN @candidate > latest_version_id + @step THEN @candidate ELSE latest_version_id + @step END
OUTPUT inserted.id, inserted.latest_version_id INTO @allocated
 WHERE id = @file_id AND workspace_id = @workspace_id AND deleted_at IS NULL;INSERT INTO file_versions (file_id, version_id, status, created_at, created_by_id, created_by_name, created_by_email,
                           upload_expires_at, declared_size, declared_md5, declared_sha256, content_type, metadata)
OUTPUT inserted.file_id AS [FileId], inserted.version_id AS [VersionId]
SELECT id, latest_version_id, N'Uploading',
       DATEADD(microsecond, CAST((latest_version_id / @step) % 1000000 AS int),
         DATEADD(second, CAST((latest_version_id / @step / 1000000) % 86400 AS int),
           DATEADD(day, CAST(latest_version_id / @step / 86400000000 AS int), CAST('1970-01-01T00:00:00+00:00' AS datetimeoffset)))),
       @caller_id, @caller_name, @caller_email, @upload_expires_at, @declared_size, @declared_md5, @declared_sha256,
       @content_type, @metadata
  FROM @allocated;

-- path locks, top-level path
SET NOCOUNT ON;
DECLARE @result int;
EXEC @result = sp_getapplock @Resource = @rx, @LockMode = 'Exclusive', @LockOwner = 'Transaction';
IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;

-- path locks, three ancestors
SET NOCOUNT ON;
DECLARE @result int;
EXEC @result = sp_getapplock @Resource = @r0, @LockMode = 'Shared', @LockOwner = 'Transaction';
IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;
EXEC @result = sp_getapplock @Resource = @r1, @LockMode = 'Shared', @LockOwner = 'Transaction';
IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;
EXEC @result = sp_getapplock @Resource = @r2, @LockMode = 'Shared', @LockOwner = 'Transaction';
IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;
EXEC @result = sp_getapplock @Resource = @rx, @LockMode = 'Exclusive', @LockOwner = 'Transaction';
IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;

-- version readiness with usage
SET NOCOUNT ON;
DECLARE @locked TABLE (workspace_id uniqueidentifier NOT NULL, deleted_at datetimeoffset NULL, current_version_id bigint NULL);
DECLARE @ready TABLE (size bigint NULL, created_at datetimeoffset NOT NULL);
DECLARE @fits bit = 1;
INSERT INTO @locked (workspace_id, deleted_at, current_version_id)
SELECT workspace_id, deleted_at, current_version_id FROM files WITH (UPDLOCK, ROWLOCK) WHERE id = @file_id;
SELECT @fits = CASE WHEN w.quota_bytes IS NULL OR COALESCE(u.bytes, 0) + @size <= w.quota_bytes THEN 1 ELSE 0 END
  FROM @locked AS l
  JOIN workspaces AS w ON w.id = l.workspace_id
  LEFT JOIN workspace_usage AS u WITH (UPDLOCK, HOLDLOCK) ON u.workspace_id = l.workspace_id
 WHERE l.deleted_at IS NULL;
UPDATE file_versions
   SET status = N'Ready', size = @size, etag = @etag, blob_version_id = @blob_version_id, verified = @verified, ready_at = @now,
       verification_owner = NULL, verification_token = NULL, verification_claimed_at = NULL
OUTPUT inserted.size, inserted.created_at INTO @ready
 WHERE file_id = @file_id AND version_id = @version_id AND status = N'Uploading'
   AND ((@claimed = 1 AND verification_token = @token)
        OR (@claimed = 0 AND (verification_token IS NULL OR verification_claimed_at < @stale_before)))
   AND EXISTS (SELECT 1 FROM @locked)
   AND @fits = 1;
UPDATE f SET current_version_id = @version_id, current_size = r.size, modified_at = r.created_at
  FROM files AS f CROSS JOIN @ready AS r
 WHERE f.id = @file_id AND (f.current_version_id IS NULL OR f.current_version_id < @version_id);
MERGE workspace_usage WITH (HOLDLOCK) AS u
USING (SELECT l.workspace_id, CASE WHEN l.current_version_id IS NULL THEN 1 ELSE 0 END AS files, r.size AS bytes
         FROM @ready AS r CROSS JOIN @locked AS l
        WHERE l.deleted_at IS NULL) AS s
   ON u.workspace_id = s.workspace_id
WHEN MATCHED THEN UPDATE SET files = u.files + s.files, bytes = u.bytes + s.bytes
WHEN NOT MATCHED THEN INSERT (workspace_id, files, bytes) VALUES (s.workspace_id, s.files, s.bytes);
SELECT (SELECT COUNT(*) FROM @ready) AS [Ready], CAST(CASE WHEN @fits = 0 THEN 1 ELSE 0 END AS bit) AS [OverQuota];

-- usage of a deleted or restored file
MERGE workspace_usage WITH (HOLDLOCK) AS u
USING (SELECT f.workspace_id, @sign * (CASE WHEN f.current_version_id IS NULL THEN 0 ELSE 1 END) AS files,
              @sign * COALESCE((SELECT SUM(v.size) FROM file_versions AS v WHERE v.file_id = f.id AND v.status = N'Ready'), 0) AS bytes
         FROM files AS f WHERE f.id = @file_id) AS s
   ON u.workspace_id = s.workspace_id
WHEN MATCHED THEN UPDATE SET files = u.files + s.files, bytes = u.bytes + s.bytes
WHEN NOT MATCHED THEN INSERT (workspace_id, files, bytes) VALUES (s.workspace_id, s.files, s.bytes);

-- folder view: subfolders of the root, counted
SET NOCOUNT ON;
DECLARE @subfolders TABLE (n bigint NOT NULL PRIMARY KEY, folder_key varchar(1668) COLLATE Latin1_General_100_BIN2_UTF8 NOT NULL, folder nvarchar(1024) NOT NULL);
DECLARE @n bigint = 0, @next varchar(1668) = @from, @key varchar(1668), @folder nvarchar(1024);
WHILE @n < @take
BEGIN
    SET @key = NULL;
    SELECT TOP (1) @key = f.folder_key, @folder = f.folder
      FROM files AS f
     WHERE f.workspace_id = @workspace AND f.deleted_at IS NULL AND f.current_version_id IS NOT NULL AND f.folder_key > @prefix AND f.folder_key >= @next
     ORDER BY f.folder_key;
    IF @key IS NULL BREAK;
    SET @n += 1;
    INSERT INTO @subfolders (n, folder_key, folder) VALUES (@n, @key, @folder);
    -- Past every key of this subfolder: its first segment below the prefix, then '0', which follows '/'.
    SET @next = LEFT(@key, CHARINDEX('/', @key, LEN(@prefix) + 1) - 1) + '0';
END;
SELECT COUNT_BIG(*) AS [Value] FROM @subfolders;

-- folder view: subfolders of a folder, a page
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
SELECT folder_key AS [FolderKey], folder AS [Folder] FROM @subfolders ORDER BY n OFFSET @skip ROWS;

-- folder view: files under each subfolder
SELECT (SELECT COUNT_BIG(*) FROM files AS f WHERE f.workspace_id = @workspace AND f.deleted_at IS NULL AND f.current_version_id IS NOT NULL AND f.folder_key >= k.folder_key AND f.folder_key < k.upper) AS [Value]
  FROM OPENJSON(@folders) WITH (n int '$.n', folder_key varchar(1668) '$.key', upper varchar(1668) '$.upper') AS k
 ORDER BY k.n;

