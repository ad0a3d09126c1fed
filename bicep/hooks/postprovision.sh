#!/bin/sh
# azd postprovision hook: once provisioning has named the app (SERVICE_API_URI), the browser uploader's app
# registration (made by the preprovision hook) gets the deployed page as its single-page-application redirect URI,
# where MSAL.js returns with the authorization code (and where sign-out comes back to). Idempotent.
# Needs az, signed in to the tenant of the subscription, allowed to change that registration.
set -eu
# shellcheck source=bicep/hooks/common.sh
. "$(dirname "$0")/common.sh"

need AZURE_BROWSER_CLIENT_ID SERVICE_API_URI
need_command az
use_azd_subscription

# The page is served at /app/ and redirects back to exactly that address (wwwroot/app/signin.js).
redirect_uri="${SERVICE_API_URI%/}/app/"
object_id=$(az ad app show --id "$AZURE_BROWSER_CLIENT_ID" --query id --output tsv)
az rest --method PATCH --uri "https://graph.microsoft.com/v1.0/applications/$object_id" --headers Content-Type=application/json \
  --output none --body "{\"spa\": {\"redirectUris\": [\"$redirect_uri\"]}}"
log "The browser uploader's registration $AZURE_BROWSER_CLIENT_ID redirects to $redirect_uri."
