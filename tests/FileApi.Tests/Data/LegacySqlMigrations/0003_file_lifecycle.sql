-- Lifecycle: the current version copied onto files for listing at any size, integrity declarations,
-- pinned blob versions, and the reconciler's bookkeeping.

ALTER TABLE files ALTER COLUMN path_key TYPE character varying(1024) COLLATE "C";
ALTER TABLE files ADD COLUMN current_version_id bigint;
ALTER TABLE files ADD COLUMN current_size bigint;
ALTER TABLE files ADD COLUMN modified_at timestamp with time zone;

-- Files that were ready before this migration get their current version.
UPDATE files f SET current_version_id = v.version_id, current_size = v.size, modified_at = v.created_at
  FROM (SELECT DISTINCT ON (file_id) file_id, version_id, size, created_at
          FROM file_versions WHERE status = 'Ready' ORDER BY file_id, version_id DESC) v
 WHERE v.file_id = f.id;

-- Keyset listings: one seek per page, whatever the page number.
CREATE INDEX ix_files_live_modified ON files (workspace_id, modified_at, id) WHERE deleted_at IS NULL AND current_version_id IS NOT NULL;
CREATE INDEX ix_files_live_created ON files (workspace_id, created_at, id) WHERE deleted_at IS NULL AND current_version_id IS NOT NULL;
CREATE INDEX ix_files_deleted ON files (workspace_id, deleted_at, id) WHERE deleted_at IS NOT NULL;

ALTER TABLE file_versions ADD COLUMN declared_size bigint;
ALTER TABLE file_versions ADD COLUMN declared_md5 character varying(32);
ALTER TABLE file_versions ADD COLUMN declared_sha256 character varying(64);
ALTER TABLE file_versions ADD COLUMN verified character varying(64);
ALTER TABLE file_versions ADD COLUMN blob_version_id character varying(64);
ALTER TABLE file_versions ADD COLUMN verification_started_at timestamp with time zone;
ALTER TABLE file_versions ADD COLUMN last_checked_at timestamp with time zone;

-- The reconciler's work list.
CREATE INDEX ix_file_versions_uploading ON file_versions (last_checked_at) WHERE status = 'Uploading';
