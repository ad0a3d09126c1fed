-- Organisations, workspaces, files and their versions.
-- Written by hand (EF's design-time package is not in our package source); the test
-- MigrationsProduceTheSchemaTheModelExpects keeps it identical to the EF model.

CREATE TABLE organizations (
    id uuid NOT NULL,
    name character varying(200) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_organizations PRIMARY KEY (id)
);

CREATE TABLE workspaces (
    id uuid NOT NULL,
    organization_id uuid NOT NULL,
    name character varying(200) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_workspaces PRIMARY KEY (id),
    CONSTRAINT fk_workspaces_organizations FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE RESTRICT
);

CREATE INDEX ix_workspaces_organization_id ON workspaces (organization_id);

CREATE TABLE files (
    id uuid NOT NULL,
    workspace_id uuid NOT NULL,
    folder character varying(1024) NOT NULL,
    name character varying(255) NOT NULL,
    path_key character varying(1024) NOT NULL,
    latest_version_id bigint NOT NULL,
    created_at timestamp with time zone NOT NULL,
    created_by_id character varying(128) NOT NULL,
    created_by_name character varying(256),
    created_by_email character varying(256),
    deleted_at timestamp with time zone,
    deleted_by_id character varying(128),
    deleted_by_name character varying(256),
    deleted_by_email character varying(256),
    CONSTRAINT pk_files PRIMARY KEY (id),
    CONSTRAINT fk_files_workspaces FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE RESTRICT
);

-- Lookup by path: one seek. Deleted files keep their row until purged, so only live paths are unique.
CREATE UNIQUE INDEX ux_files_live_path ON files (workspace_id, path_key) WHERE deleted_at IS NULL;

CREATE TABLE file_versions (
    file_id uuid NOT NULL,
    version_id bigint NOT NULL,
    status character varying(16) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    created_by_id character varying(128) NOT NULL,
    created_by_name character varying(256),
    created_by_email character varying(256),
    upload_expires_at timestamp with time zone NOT NULL,
    size bigint,
    etag character varying(128),
    ready_at timestamp with time zone,
    failure_reason character varying(1000),
    CONSTRAINT pk_file_versions PRIMARY KEY (file_id, version_id),
    CONSTRAINT fk_file_versions_files FOREIGN KEY (file_id) REFERENCES files (id) ON DELETE CASCADE
);

-- Latest ready version of a file: one backward seek, however many uploads are pending.
CREATE INDEX ix_file_versions_ready ON file_versions (file_id, version_id DESC) WHERE status = 'Ready';
