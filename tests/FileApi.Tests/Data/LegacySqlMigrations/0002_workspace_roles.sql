-- Per-workspace roles for users (Entra object id within a tenant), and organisation admins,
-- who may create workspaces.

CREATE TABLE workspace_members (
    workspace_id uuid NOT NULL,
    tenant_id character varying(128) NOT NULL,
    user_id character varying(128) NOT NULL,
    role character varying(16) NOT NULL,
    name character varying(256),
    email character varying(256),
    granted_at timestamp with time zone NOT NULL,
    granted_by_id character varying(128) NOT NULL,
    CONSTRAINT pk_workspace_members PRIMARY KEY (workspace_id, tenant_id, user_id),
    CONSTRAINT fk_workspace_members_workspaces FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE
);

-- "Workspaces I have a role in": one seek.
CREATE INDEX ix_workspace_members_user ON workspace_members (tenant_id, user_id);

CREATE TABLE organization_admins (
    organization_id uuid NOT NULL,
    tenant_id character varying(128) NOT NULL,
    user_id character varying(128) NOT NULL,
    granted_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_organization_admins PRIMARY KEY (organization_id, tenant_id, user_id),
    CONSTRAINT fk_organization_admins_organizations FOREIGN KEY (organization_id) REFERENCES organizations (id) ON DELETE CASCADE
);
