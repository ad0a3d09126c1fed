-- The app's rights in Azure SQL Database. predeploy-sqlserver.sh runs this with sqlcmd as the server's Entra
-- administrator, in the app's database, after migrating. Idempotent. Variables (sqlcmd --variables):
--   app_user       the app's user-assigned managed identity, by name
--   app_object_id  its object (principal) id, so the server needs no directory read rights to find it
--
-- A contained user (no server login) with rows only: db_datareader and db_datawriter. Migrations run as the
-- administrator, so a compromised app cannot change or drop the schema. The application locks it takes
-- (sp_getapplock) need no grant.
IF NOT EXISTS (SELECT 1 FROM sys.database_principals WHERE name = N'$(app_user)')
    CREATE USER [$(app_user)] FROM EXTERNAL PROVIDER WITH OBJECT_ID = '$(app_object_id)';
GO
IF IS_ROLEMEMBER(N'db_datareader', N'$(app_user)') = 0
    ALTER ROLE db_datareader ADD MEMBER [$(app_user)];
IF IS_ROLEMEMBER(N'db_datawriter', N'$(app_user)') = 0
    ALTER ROLE db_datawriter ADD MEMBER [$(app_user)];
GO
