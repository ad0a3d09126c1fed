#!/bin/sh
# azd postdown hook: `azd down` deletes the resource group; this deletes the one thing outside it, the API's app
# registration made by the preprovision hook, with its role assignments. (A later `azd up` finds the recorded id
# gone and makes a new registration.)
set -eu
# shellcheck source=bicep/hooks/common.sh
. "$(dirname "$0")/common.sh"

need_command az
if [ -n "${AZURE_API_CLIENT_ID:-}" ] && az ad app show --id "$AZURE_API_CLIENT_ID" --output none 2>/dev/null; then
  az ad app delete --id "$AZURE_API_CLIENT_ID"
  log "Deleted the app registration $AZURE_API_CLIENT_ID."
fi
