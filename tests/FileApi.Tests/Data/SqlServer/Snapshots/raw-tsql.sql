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
                           upload_expires_at, declared_size, declared_md5, declared_sha256)
OUTPUT inserted.file_id AS [FileId], inserted.version_id AS [VersionId]
SELECT id, latest_version_id, N'Uploading',
       DATEADD(microsecond, CAST((latest_version_id / @step) % 1000000 AS int),
         DATEADD(second, CAST((latest_version_id / @step / 1000000) % 86400 AS int),
           DATEADD(day, CAST(latest_version_id / @step / 86400000000 AS int), CAST('1970-01-01T00:00:00+00:00' AS datetimeoffset)))),
       @caller_id, @caller_name, @caller_email, @upload_expires_at, @declared_size, @declared_md5, @declared_sha256
  FROM @allocated;

-- version allocation for a file
SET NOCOUNT ON;
DECLARE @allocated TABLE (id uniqueidentifier, latest_version_id bigint);
UPDATE files SET latest_version_id = CASE WHEN @candidate > latest_version_id + @step THEN @candidate ELSE latest_version_id + @step END
OUTPUT inserted.id, inserted.latest_version_id INTO @allocated
 WHERE id = @file_id AND workspace_id = @workspace_id AND deleted_at IS NULL;INSERT INTO file_versions (file_id, version_id, status, created_at, created_by_id, created_by_name, created_by_email,
                           upload_expires_at, declared_size, declared_md5, declared_sha256)
OUTPUT inserted.file_id AS [FileId], inserted.version_id AS [VersionId]
SELECT id, latest_version_id, N'Uploading',
       DATEADD(microsecond, CAST((latest_version_id / @step) % 1000000 AS int),
         DATEADD(second, CAST((latest_version_id / @step / 1000000) % 86400 AS int),
           DATEADD(day, CAST(latest_version_id / @step / 86400000000 AS int), CAST('1970-01-01T00:00:00+00:00' AS datetimeoffset)))),
       @caller_id, @caller_name, @caller_email, @upload_expires_at, @declared_size, @declared_md5, @declared_sha256
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

