#!/bin/sh
# azd predeploy hook: readies the database before the new code is deployed, signed in as its Entra administrator
# (whoever runs azd) with az's token; no password exists. With AZURE_DATABASE_ENGINE=sqlserver it does the same for
# Azure SQL Database (predeploy-sqlserver.sh); otherwise, for PostgreSQL:
#  1. Opens the server's firewall to this machine for the length of the run.
#  2. Makes the app's managed identity a database principal (pgaadauth_create_principal_with_oid), then runs
#     database-setup.sql: the schema owner role, the database, and the app's rights (rows, not schema).
#  3. Applies migrations with `FileApi migrate`, acting as the schema owner.
# Needs az, psql, curl and the .NET SDK.
set -eu
# shellcheck source=bicep/hooks/common.sh
. "$(dirname "$0")/common.sh"

if [ "${AZURE_DATABASE_ENGINE:-postgresql}" = sqlserver ]; then
  exec "$(dirname "$0")/predeploy-sqlserver.sh"
fi

need AZURE_RESOURCE_GROUP AZURE_POSTGRES_SERVER_NAME AZURE_POSTGRES_HOST AZURE_POSTGRES_DATABASE \
  AZURE_APP_IDENTITY_NAME AZURE_APP_IDENTITY_PRINCIPAL_ID AZURE_PRINCIPAL_NAME
need_command az psql curl dotnet
use_azd_subscription

# The role that owns the schema; database-setup.sql explains why it is not the administrator or the app.
OWNER_ROLE=fileapi_owner

address=$(curl -fsS https://api.ipify.org) || fail "could not find this machine's public address (https://api.ipify.org)."
rule="azd-deploy-$(date +%s)"
log "Allowing $address through the PostgreSQL firewall while migrating..."
az postgres flexible-server firewall-rule create --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_POSTGRES_SERVER_NAME" \
  --rule-name "$rule" --start-ip-address "$address" --end-ip-address "$address" --output none
trap 'exit 1' INT TERM
trap 'az postgres flexible-server firewall-rule delete --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_POSTGRES_SERVER_NAME" --rule-name "$rule" --yes --output none' EXIT

PGHOST=$AZURE_POSTGRES_HOST
PGUSER=$AZURE_PRINCIPAL_NAME
PGSSLMODE=require
PGPASSWORD=$(az account get-access-token --resource-type oss-rdbms --query accessToken --output tsv)
export PGHOST PGUSER PGSSLMODE PGPASSWORD

principal_exists=$(psql --dbname postgres --tuples-only --no-align \
  --command "SELECT 1 FROM pg_roles WHERE rolname = '$AZURE_APP_IDENTITY_NAME'")
if [ -z "$principal_exists" ]; then
  psql --dbname postgres --set ON_ERROR_STOP=1 --quiet --command \
    "SELECT * FROM pgaadauth_create_principal_with_oid('$AZURE_APP_IDENTITY_NAME', '$AZURE_APP_IDENTITY_PRINCIPAL_ID', 'service', false, false)"
  log "Created the database principal $AZURE_APP_IDENTITY_NAME for the app's managed identity."
fi

psql --dbname postgres --set ON_ERROR_STOP=1 --quiet \
  --set owner_role="$OWNER_ROLE" --set admins_role=azure_pg_admin \
  --set app_role="$AZURE_APP_IDENTITY_NAME" --set database="$AZURE_POSTGRES_DATABASE" \
  --file "$(dirname "$0")/database-setup.sql"

# The app's own Entra code path signs in, with az's login instead of a managed identity.
log "Applying migrations..."
ConnectionStrings__FileApi="Host=$AZURE_POSTGRES_HOST;Database=$AZURE_POSTGRES_DATABASE;Username=$AZURE_PRINCIPAL_NAME;Ssl Mode=Require;Options='-c role=$OWNER_ROLE'" \
Database__UseEntraAuthentication=true \
AZURE_TOKEN_CREDENTIALS=AzureCliCredential \
  dotnet run --project src/FileApi --configuration Release --no-launch-profile -- migrate
