-- Database roles and rights for FileApi in Azure Database for PostgreSQL. The predeploy hook runs this with psql
-- as a Microsoft Entra administrator, connected to the postgres database, after making the app's managed
-- identity a principal. Idempotent. Variables (psql --set):
--   owner_role   the role that owns the database and its schema; nobody signs in as it
--   admins_role  the group of Entra administrators (azure_pg_admin in Azure)
--   app_role     the app's managed identity
--   database     the app's database
--
-- Why an owner role: objects belong to whoever creates them, and administrators are not superusers. Were the
-- schema owned by the administrator who first deployed, no other administrator could migrate it. So every
-- administrator may act as owner_role (through admins_role), and migrations run as it. The app gets rows only:
-- a compromised app cannot change or drop the schema.
\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I NOLOGIN', :'owner_role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner_role') \gexec

SELECT format('GRANT %I TO %I', :'owner_role', :'admins_role')
WHERE NOT pg_has_role(:'admins_role', :'owner_role', 'MEMBER') \gexec

-- Owning the database makes owner_role the owner of its public schema too (pg_database_owner).
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'owner_role')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec

\connect :database

SELECT format('GRANT CONNECT ON DATABASE %I TO %I', :'database', :'app_role') \gexec
SELECT format('GRANT USAGE ON SCHEMA public TO %I', :'app_role') \gexec
SELECT format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', :'app_role') \gexec
SELECT format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', :'app_role') \gexec
-- The same for whatever later migrations create.
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', :'owner_role', :'app_role') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO %I', :'owner_role', :'app_role') \gexec
