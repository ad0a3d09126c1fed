#!/bin/sh
# azd postdown hook: `azd down` deletes the resource group; this deletes the one thing outside it, the API's app
# registration and the browser uploader's, made by the preprovision hook, with the API's role assignments. (A later
# `azd up` finds the recorded ids gone and makes new registrations.)
set -eu
# shellcheck source=bicep/hooks/common.sh
. "$(dirname "$0")/common.sh"

need_command az
if [ -n "${AZURE_BROWSER_CLIENT_ID:-}" ] && az ad app show --id "$AZURE_BROWSER_CLIENT_ID" --output none 2>/dev/null; then
  az ad app delete --id "$AZURE_BROWSER_CLIENT_ID"
  log "Deleted the app registration $AZURE_BROWSER_CLIENT_ID."
fi
if [ -n "${AZURE_API_CLIENT_ID:-}" ] && az ad app show --id "$AZURE_API_CLIENT_ID" --output none 2>/dev/null; then
  az ad app delete --id "$AZURE_API_CLIENT_ID"
  log "Deleted the app registration $AZURE_API_CLIENT_ID."
fi
