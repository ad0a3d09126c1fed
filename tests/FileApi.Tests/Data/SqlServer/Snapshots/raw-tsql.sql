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

-- version allocation at a path, top-level path
SET NOCOUNT ON;
DECLARE @result int;
EXEC @result = sp_getapplock @Resource = @rx, @LockMode = 'Exclusive', @LockOwner = 'Transaction';
IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;
DECLARE @allocated TABLE (id uniqueidentifier, latest_version_id bigint);
IF NOT EXISTS (SELECT 1 FROM files WHERE workspace_id = @workspace_id AND deleted_at IS NULL
                  AND ((path_key >= @under_from AND path_key < @under_to)))
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

-- version allocation at a path, three ancestors
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
DECLARE @allocated TABLE (id uniqueidentifier, latest_version_id bigint);
IF NOT EXISTS (SELECT 1 FROM files WHERE workspace_id = @workspace_id AND deleted_at IS NULL
                  AND (path_key IN (@a0, @a1, @a2) OR (path_key >= @under_from AND path_key < @under_to)))
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

-- version allocation for a file
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

-- usage of a deleted or restored file
MERGE workspace_usage WITH (HOLDLOCK) AS u
USING (SELECT f.workspace_id, @sign * (CASE WHEN f.current_version_id IS NULL THEN 0 ELSE 1 END) AS files,
              @sign * COALESCE((SELECT SUM(v.size) FROM file_versions AS v WHERE v.file_id = f.id AND v.status = N'Ready'), 0) AS bytes
         FROM files AS f WHERE f.id = @file_id) AS s
   ON u.workspace_id = s.workspace_id
WHEN MATCHED THEN UPDATE SET files = u.files + s.files, bytes = u.bytes + s.bytes
WHEN NOT MATCHED THEN INSERT (workspace_id, files, bytes) VALUES (s.workspace_id, s.files, s.bytes);

-- versions a delivery reported
SET NOCOUNT ON;
DECLARE @reported TABLE (file_id uniqueidentifier NOT NULL, version_id bigint NOT NULL, PRIMARY KEY (file_id, version_id));
INSERT INTO @reported (file_id, version_id)
SELECT DISTINCT file_id, version_id FROM OPENJSON(@versions) WITH (file_id uniqueidentifier '$.file_id', version_id bigint '$.version_id');
UPDATE v SET blob_reported_at = @now
  FROM @reported AS r
  INNER LOOP JOIN file_versions AS v WITH (ROWLOCK) ON v.file_id = r.file_id AND v.version_id = r.version_id
 WHERE v.status = N'Uploading' AND v.blob_reported_at IS NULL
OPTION (FORCE ORDER);

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

