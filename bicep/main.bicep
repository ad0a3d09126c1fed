// FileApi in Azure, provisioned by `azd up` (azure.yaml points here). Everything lives in one resource group,
// rg-<environment>; resources.bicep describes it. The Event Grid subscription is deployed later, by the
// postdeploy hook from event-subscription.bicep, because its validation handshake needs the deployed app.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment: names the resource group and seeds every resource name.')
param environmentName string

@minLength(1)
@description('Azure region of every resource.')
param location string

@description('Object id of the identity running azd (azd sets it). It becomes the Entra administrator of the database.')
param principalId string

@description('Sign-in name of that identity, its database principal name (set by the preprovision hook).')
param principalName string

@allowed(['User', 'ServicePrincipal'])
@description('Whether that identity is a user or a service principal (set by the preprovision hook).')
param principalType string = 'User'

@description('Application (client) id of the API\'s Entra app registration (created by the preprovision hook).')
param apiClientId string

@description('Application (client) id of the browser uploader\'s single-page-application registration (created by the preprovision hook).')
param browserClientId string

@allowed(['B1', 'B2', 'B3', 'S1', 'P0v3', 'P1v3', 'P2v3'])
@description('App Service plan size. B1 is the smallest with Always On, which keeps the webhook warm.')
param appServiceSkuName string = 'B1'

@allowed(['postgresql', 'sqlserver'])
@description('The database: Azure Database for PostgreSQL flexible server (the default), or Azure SQL Database (serverless, Entra-only). See docs/azure.md.')
param databaseEngine string = 'postgresql'

@description('More browser origins allowed to upload and download (CORS), besides the app\'s own.')
param extraCorsOrigins string[] = []

var tags = { 'azd-env-name': environmentName }

resource resourceGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module resources 'resources.bicep' = {
  name: 'resources'
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    environmentName: environmentName
    principalId: principalId
    principalName: principalName
    principalType: principalType
    apiClientId: apiClientId
    browserClientId: browserClientId
    appServiceSkuName: appServiceSkuName
    extraCorsOrigins: extraCorsOrigins
    databaseEngine: databaseEngine
  }
}

// azd writes these to the environment (.azure/<env>/.env), where the hooks read them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = resourceGroup.name
output SERVICE_API_NAME string = resources.outputs.appName
output SERVICE_API_URI string = resources.outputs.appUri
output AZURE_APP_IDENTITY_NAME string = resources.outputs.appIdentityName
output AZURE_APP_IDENTITY_PRINCIPAL_ID string = resources.outputs.appIdentityPrincipalId
output AZURE_APP_IDENTITY_CLIENT_ID string = resources.outputs.appIdentityClientId
output AZURE_STORAGE_ACCOUNT_NAME string = resources.outputs.storageAccountName
output AZURE_STORAGE_BLOB_ENDPOINT string = resources.outputs.storageBlobEndpoint
output AZURE_STORAGE_CONTAINER string = resources.outputs.containerName
output AZURE_STORAGE_DEADLETTER_CONTAINER string = resources.outputs.deadLetterContainerName
output AZURE_POSTGRES_SERVER_NAME string = resources.outputs.postgresServerName
output AZURE_POSTGRES_HOST string = resources.outputs.postgresHost
output AZURE_POSTGRES_DATABASE string = resources.outputs.postgresDatabaseName
output AZURE_DATABASE_ENGINE string = databaseEngine
output AZURE_SQL_SERVER_NAME string = resources.outputs.sqlServerName
output AZURE_SQL_SERVER_HOST string = resources.outputs.sqlServerHost
output AZURE_SQL_DATABASE string = resources.outputs.sqlDatabaseName
output AZURE_EVENTGRID_SYSTEM_TOPIC_NAME string = resources.outputs.systemTopicName
