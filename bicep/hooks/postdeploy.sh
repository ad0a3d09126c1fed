#!/bin/sh
# azd postdeploy hook: subscribes the app to blob uploads once it is running. Event Grid validates a webhook
# when the subscription is created, which only the deployed app can answer, so event-subscription.bicep is
# deployed here rather than in main.bicep. Redeploying it unchanged is a no-op.
# Needs az (with its bicep, which az installs on first use) and curl.
set -eu
# shellcheck source=bicep/hooks/common.sh
. "$(dirname "$0")/common.sh"

need AZURE_RESOURCE_GROUP SERVICE_API_URI AZURE_API_CLIENT_ID AZURE_EVENTGRID_SYSTEM_TOPIC_NAME \
  AZURE_STORAGE_ACCOUNT_NAME AZURE_STORAGE_CONTAINER AZURE_STORAGE_DEADLETTER_CONTAINER
need_command az curl
use_azd_subscription

# /healthz/ready answers 200 once the app runs and reaches its database (migrated) and blob storage.
log "Waiting for $SERVICE_API_URI/healthz/ready..."
attempt=0
until curl -fsS --max-time 10 "$SERVICE_API_URI/healthz/ready" >/dev/null 2>&1; do
  attempt=$((attempt + 1))
  [ "$attempt" -lt 60 ] || fail "$SERVICE_API_URI/healthz/ready did not answer 200 within 10 minutes; see the app's logs (docs/azure.md)."
  sleep 10
done

log "Subscribing $SERVICE_API_URI/events/storage to BlobCreated in $AZURE_STORAGE_CONTAINER..."
az deployment group create --resource-group "$AZURE_RESOURCE_GROUP" --name event-subscription \
  --template-file "$(dirname "$0")/../event-subscription.bicep" --output none \
  --parameters systemTopicName="$AZURE_EVENTGRID_SYSTEM_TOPIC_NAME" storageAccountName="$AZURE_STORAGE_ACCOUNT_NAME" \
    containerName="$AZURE_STORAGE_CONTAINER" deadLetterContainerName="$AZURE_STORAGE_DEADLETTER_CONTAINER" \
    webhookUrl="$SERVICE_API_URI/events/storage" apiClientId="$AZURE_API_CLIENT_ID"
