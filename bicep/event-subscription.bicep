// The Event Grid subscription that tells the app about uploads: BlobCreated in the files container, delivered to
// https://<app>/events/storage with an Entra token for the API. Creating it starts a validation handshake that
// the deployed app must answer, so azd's postdeploy hook deploys this file (az deployment group create) once the
// app is up, rather than main.bicep, which runs before the app's code exists. Run again, it changes nothing.
@description('The Event Grid system topic of the storage account (main.bicep output AZURE_EVENTGRID_SYSTEM_TOPIC_NAME).')
param systemTopicName string

@description('The storage account, which also holds the dead-letter container.')
param storageAccountName string

@description('The files container (Storage:Container); only its blobs are delivered.')
param containerName string

param deadLetterContainerName string

// No secret is in it: Event Grid delivers with an Entra token. Event Grid still treats an endpoint URL as secret
// (it can carry one), and @secure keeps it out of the deployment's recorded inputs.
@secure()
@description('The webhook: https://<app>/events/storage, with no secret in it.')
param webhookUrl string

@description('Application (client) id of the API\'s app registration: the audience of Event Grid\'s token (Auth:ClientId).')
param apiClientId string

param tenantId string = tenant().tenantId

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = {
  name: systemTopicName
}

resource blobCreated 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: systemTopic
  name: 'blob-created-to-api'
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: webhookUrl
        // Event Grid signs in as its own service principal, which holds the app role
        // AzureEventGridSecureWebhookSubscriber on the API (Events:RequiredAppRole); the token's audience is
        // the API's client id, which the app accepts (Auth:ClientId).
        azureActiveDirectoryTenantId: tenantId
        azureActiveDirectoryApplicationIdOrUri: apiClientId
        maxEventsPerBatch: 10
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: ['Microsoft.Storage.BlobCreated']
      subjectBeginsWith: '/blobServices/default/containers/${containerName}/'
    }
    // Event Grid's own schedule, as the local stand-in follows it: retries for a day, then dead-letters.
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    deadLetterWithResourceIdentity: {
      identity: { type: 'SystemAssigned' }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: storage.id
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}
