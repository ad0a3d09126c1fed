#!/bin/sh
# azd predeploy hook for AZURE_DATABASE_ENGINE=sqlserver (predeploy.sh hands over to it): readies the Azure SQL
# database before the new code is deployed, signed in as its Entra administrator (whoever runs azd) through az's
# login; the server takes Entra sign-ins only, so no password exists.
#  1. Opens the server's firewall to this machine for the length of the run.
#  2. Applies migrations with `FileApi migrate`, as the administrator: the app never holds DDL rights.
#  3. Runs database-setup-sqlserver.sql: the app's managed identity becomes a contained user with rows only.
# Needs az, sqlcmd (go-sqlcmd), curl and the .NET SDK.
set -eu
# shellcheck source=bicep/hooks/common.sh
. "$(dirname "$0")/common.sh"

need AZURE_RESOURCE_GROUP AZURE_SQL_SERVER_NAME AZURE_SQL_SERVER_HOST AZURE_SQL_DATABASE \
  AZURE_APP_IDENTITY_NAME AZURE_APP_IDENTITY_PRINCIPAL_ID
need_command az sqlcmd curl dotnet
use_azd_subscription

address=$(curl -fsS https://api.ipify.org) || fail "could not find this machine's public address (https://api.ipify.org)."
rule="azd-deploy-$(date +%s)"
log "Allowing $address through the Azure SQL firewall while migrating..."
az sql server firewall-rule create --resource-group "$AZURE_RESOURCE_GROUP" --server "$AZURE_SQL_SERVER_NAME" \
  --name "$rule" --start-ip-address "$address" --end-ip-address "$address" --output none
trap 'exit 1' INT TERM
trap 'az sql server firewall-rule delete --resource-group "$AZURE_RESOURCE_GROUP" --server "$AZURE_SQL_SERVER_NAME" --name "$rule" --output none' EXIT

# The app's own code path signs in; "Active Directory Default" finds az's login here (the app in Azure uses its managed identity).
log "Applying migrations..."
ConnectionStrings__FileApi="Server=tcp:$AZURE_SQL_SERVER_HOST,1433;Database=$AZURE_SQL_DATABASE;Authentication=Active Directory Default;Encrypt=True" \
Database__Provider=SqlServer \
AZURE_TOKEN_CREDENTIALS=AzureCliCredential \
  dotnet run --project src/FileApi --configuration Release --no-launch-profile -- migrate

sqlcmd --server "tcp:$AZURE_SQL_SERVER_HOST,1433" --database-name "$AZURE_SQL_DATABASE" --authentication-method ActiveDirectoryAzCli \
  --exit-on-error --variables "app_user=$AZURE_APP_IDENTITY_NAME" "app_object_id=$AZURE_APP_IDENTITY_PRINCIPAL_ID" \
  --input-file "$(dirname "$0")/database-setup-sqlserver.sql"
log "The app's managed identity $AZURE_APP_IDENTITY_NAME reads and writes rows of $AZURE_SQL_DATABASE."
