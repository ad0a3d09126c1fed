#!/bin/sh
# azd preprovision hook: creates what bicep cannot, before main.bicep needs it.
#  - The API's Entra app registration "fileapi-<env>": its client id is Auth:ClientId and the audience of Event
#    Grid's delivery tokens. It gets the identifier URI api://<client id>, a delegated scope access_as_user for
#    callers (Auth:Scope; user endpoints require it), v2 access tokens with the optional claim idtyp (so app-only
#    tokens say idtyp=app: the webhook requires it, user endpoints refuse it), and the app role
#    AzureEventGridSecureWebhookSubscriber, granted to Event Grid's
#    service principal (which signs in to deliver) and to whoever runs azd (Event Grid requires the creator of a
#    webhook subscription with Entra delivery to hold the role too). Azure CLI is pre-authorized for the scope,
#    so `az account get-access-token --scope api://<client id>/access_as_user` gives a user a token to try the API.
#  - The browser uploader's app registration "fileapi-<env>-browser": a single-page application (MSAL.js, authorization
#    code with PKCE, no secret) with the delegated permission access_as_user on the API (and openid, profile and
#    offline_access on Microsoft Graph, which MSAL.js asks for). The API pre-authorizes it for the scope, so users are
#    not asked to consent to the API; its redirect URI is the deployed page, set by the postprovision hook once
#    provisioning has named the app.
#  - The deployer's sign-in name and kind, which name the PostgreSQL Entra administrator.
# Saves AZURE_API_CLIENT_ID, AZURE_BROWSER_CLIENT_ID, AZURE_PRINCIPAL_NAME and AZURE_PRINCIPAL_TYPE with `azd env set`.
# Idempotent.
# Needs az, signed in to the tenant of the subscription, allowed to create app registrations.
set -eu
# shellcheck source=bicep/hooks/common.sh
. "$(dirname "$0")/common.sh"

need AZURE_ENV_NAME
need_command az azd
use_azd_subscription

# Event Grid's and Azure CLI's first-party applications, the same in every tenant.
EVENT_GRID_APP_ID=4962773b-9cdb-44cf-a8bf-237846a00ab7
CLI_APP_ID=04b07795-8ddb-461a-bbee-02f9e1bf7b46
# Microsoft Graph and its delegated permissions openid, profile and offline_access (the same ids in every tenant).
GRAPH_APP_ID=00000003-0000-0000-c000-000000000000
GRAPH_OPENID=37f7f235-527c-4136-accd-4a02d197296e
GRAPH_PROFILE=14dad69e-099b-42c9-810b-d002981feec1
GRAPH_OFFLINE_ACCESS=7427e0e9-2fba-42fe-b0c0-848c9e6a8182
ROLE=AzureEventGridSecureWebhookSubscriber
SCOPE=access_as_user
GRAPH=https://graph.microsoft.com/v1.0

new_uuid() { cat /proc/sys/kernel/random/uuid 2>/dev/null || uuidgen | tr '[:upper:]' '[:lower:]'; }

# Who runs this: a user, or a service principal in CI.
if [ "$(az account show --query user.type --output tsv)" = user ]; then
  deployer_id=$(az ad signed-in-user show --query id --output tsv)
  deployer_name=$(az ad signed-in-user show --query userPrincipalName --output tsv)
  deployer_type=User
else
  deployer_app_id=$(az account show --query user.name --output tsv)
  deployer_id=$(az ad sp show --id "$deployer_app_id" --query id --output tsv)
  deployer_name=$(az ad sp show --id "$deployer_app_id" --query displayName --output tsv)
  deployer_type=ServicePrincipal
fi
if [ -n "${AZURE_PRINCIPAL_ID:-}" ] && [ "$AZURE_PRINCIPAL_ID" != "$deployer_id" ]; then
  fail "az is signed in as $deployer_name ($deployer_id) but azd as $AZURE_PRINCIPAL_ID; sign both in as the same identity."
fi

# registration RECORDED_ID DISPLAY_NAME: the app registration this environment recorded if it still exists, else a new one.
registration() {
  if [ -n "$1" ] && az ad app show --id "$1" --output none 2>/dev/null; then
    echo "$1"
    return
  fi
  [ -z "$1" ] || log "App registration $1 recorded in this environment no longer exists; creating a new one."
  created=$(az ad app create --display-name "$2" --sign-in-audience AzureADMyOrg --query appId --output tsv)
  log "Created the app registration $2 ($created)."
  echo "$created"
}
client_id=$(registration "${AZURE_API_CLIENT_ID:-}" "fileapi-$AZURE_ENV_NAME")
app_object_id=$(az ad app show --id "$client_id" --query id --output tsv)
browser_client_id=$(registration "${AZURE_BROWSER_CLIENT_ID:-}" "fileapi-$AZURE_ENV_NAME-browser")
browser_object_id=$(az ad app show --id "$browser_client_id" --query id --output tsv)

# Keep the ids of a role and scope that exist: Graph refuses to replace an enabled one.
role_id=$(az ad app show --id "$client_id" --query "appRoles[?value=='$ROLE'].id | [0]" --output tsv)
[ -n "$role_id" ] || role_id=$(new_uuid)
scope_id=$(az ad app show --id "$client_id" --query "api.oauth2PermissionScopes[?value=='$SCOPE'].id | [0]" --output tsv)
[ -n "$scope_id" ] || scope_id=$(new_uuid)

az rest --method PATCH --uri "$GRAPH/applications/$app_object_id" --headers Content-Type=application/json --output none --body "{
  \"identifierUris\": [\"api://$client_id\"],
  \"api\": {
    \"requestedAccessTokenVersion\": 2,
    \"oauth2PermissionScopes\": [{
      \"id\": \"$scope_id\", \"value\": \"$SCOPE\", \"type\": \"User\", \"isEnabled\": true,
      \"adminConsentDisplayName\": \"Use FileApi\", \"adminConsentDescription\": \"Call FileApi as the signed-in user.\",
      \"userConsentDisplayName\": \"Use FileApi\", \"userConsentDescription\": \"Call FileApi as you.\"
    }]
  },
  \"optionalClaims\": {\"accessToken\": [{\"name\": \"idtyp\", \"essential\": false}]},
  \"appRoles\": [{
    \"id\": \"$role_id\", \"value\": \"$ROLE\", \"displayName\": \"$ROLE\", \"isEnabled\": true,
    \"description\": \"Delivers storage events to the FileApi webhook (Event Grid).\",
    \"allowedMemberTypes\": [\"Application\", \"User\"]
  }]
}"
# A separate request: Graph accepts a pre-authorization only for a scope that already exists.
az rest --method PATCH --uri "$GRAPH/applications/$app_object_id" --headers Content-Type=application/json --output none --body "{
  \"api\": {\"preAuthorizedApplications\": [
    {\"appId\": \"$CLI_APP_ID\", \"delegatedPermissionIds\": [\"$scope_id\"]},
    {\"appId\": \"$browser_client_id\", \"delegatedPermissionIds\": [\"$scope_id\"]}
  ]}
}"
# The page's permissions; its spa.redirectUris are the postprovision hook's, so a re-run here leaves them alone.
az rest --method PATCH --uri "$GRAPH/applications/$browser_object_id" --headers Content-Type=application/json --output none --body "{
  \"requiredResourceAccess\": [
    {\"resourceAppId\": \"$client_id\", \"resourceAccess\": [{\"id\": \"$scope_id\", \"type\": \"Scope\"}]},
    {\"resourceAppId\": \"$GRAPH_APP_ID\", \"resourceAccess\": [
      {\"id\": \"$GRAPH_OPENID\", \"type\": \"Scope\"}, {\"id\": \"$GRAPH_PROFILE\", \"type\": \"Scope\"},
      {\"id\": \"$GRAPH_OFFLINE_ACCESS\", \"type\": \"Scope\"}
    ]}
  ]
}"

service_principal() {
  az ad sp show --id "$1" --query id --output tsv 2>/dev/null || az ad sp create --id "$1" --query id --output tsv
}
api_sp_id=$(service_principal "$client_id")
event_grid_sp_id=$(service_principal "$EVENT_GRID_APP_ID")

grant_role() {
  granted=$(az rest --method GET --uri "$GRAPH/servicePrincipals/$api_sp_id/appRoleAssignedTo" \
    --query "length(value[?principalId=='$1' && appRoleId=='$role_id'])" --output tsv)
  if [ "$granted" = 0 ]; then
    az rest --method POST --uri "$GRAPH/servicePrincipals/$api_sp_id/appRoleAssignedTo" --headers Content-Type=application/json \
      --body "{\"principalId\": \"$1\", \"resourceId\": \"$api_sp_id\", \"appRoleId\": \"$role_id\"}" --output none
    log "Granted $ROLE to $2."
  fi
}
grant_role "$event_grid_sp_id" "Event Grid"
grant_role "$deployer_id" "$deployer_name"

azd env set AZURE_API_CLIENT_ID "$client_id"
azd env set AZURE_BROWSER_CLIENT_ID "$browser_client_id"
azd env set AZURE_PRINCIPAL_NAME "$deployer_name"
azd env set AZURE_PRINCIPAL_TYPE "$deployer_type"
