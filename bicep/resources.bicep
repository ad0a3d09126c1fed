// Everything FileApi needs in its resource group. No secret exists: the app reaches storage and PostgreSQL
// with its user-assigned managed identity, signs links with a user delegation key, and Event Grid delivers with
// an Entra token. Names get a token derived from the subscription, the group and the environment.
param location string
param tags { *: string }
param environmentName string
param principalId string
param principalName string
param principalType string
param apiClientId string
param browserClientId string
param appServiceSkuName string
param extraCorsOrigins string[]

@description('Container that holds every file version\'s blob (Storage:Container).')
param containerName string = 'files'

@description('Container where Event Grid leaves events it could not deliver.')
param deadLetterContainerName string = 'deadletter'

@description('Days after which previous versions of file blobs are deleted; 0 keeps them. Read docs/azure.md (lifecycle) first: a version a ready file is pinned to can be a previous one.')
param nonCurrentFileVersionRetentionDays int = 0

@description('Days undeliverable events are kept in the dead-letter container.')
param deadLetterRetentionDays int = 30

param postgresDatabaseName string = 'fileapi'

@allowed(['postgresql', 'sqlserver'])
param databaseEngine string

@description('The Azure SQL database, when databaseEngine is sqlserver.')
param sqlDatabaseName string = 'fileapi'

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))

// The app role Event Grid's token carries; the preprovision hook defines it on the API's app registration.
var eventGridSubscriberRole = 'AzureEventGridSecureWebhookSubscriber'

// Built-in role definitions (the same ids in every tenant).
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var storageBlobDelegator = 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${resourceToken}'
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${resourceToken}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
  }
}

// User-assigned rather than system-assigned: it exists before the app, so its role assignments and its database
// principal do not wait for the app, and its name (the PostgreSQL role) stays the same if the app is recreated.
resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${resourceToken}'
  location: location
  tags: tags
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'st${resourceToken}'
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    accessTier: 'Hot'
    // Entra ID only: no account key works, so none can leak. Links are user delegation SAS.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    supportsHttpsTrafficOnly: true
    minimumTlsVersion: 'TLS1_2'
    // Clients upload and download from anywhere, with links that each reach one blob.
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    // Every write keeps the previous bytes as a version; downloads can be pinned to one (sr=bv).
    isVersioningEnabled: true
    deleteRetentionPolicy: { enabled: true, days: 7 }
    containerDeleteRetentionPolicy: { enabled: true, days: 7 }
    cors: {
      corsRules: [
        {
          // Browsers on the app's own origin (and any extra ones) upload and download with the links directly.
          allowedOrigins: union(['https://${app.properties.defaultHostName}'], extraCorsOrigins)
          allowedMethods: ['GET', 'HEAD', 'PUT', 'OPTIONS']
          allowedHeaders: ['content-*', 'x-ms-*', 'range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since']
          exposedHeaders: ['content-*', 'x-ms-*', 'etag', 'last-modified', 'accept-ranges']
          maxAgeInSeconds: 3600
        }
      ]
    }
  }
}

resource filesContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: containerName
  properties: { publicAccess: 'None' }
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deadLetterContainerName
  properties: { publicAccess: 'None' }
}

// What storage can clean up by itself (docs/azure.md explains what it cannot, and why file versions are kept).
var deadLetterRule = {
  name: 'expire-dead-letters'
  enabled: true
  type: 'Lifecycle'
  definition: {
    filters: { blobTypes: ['blockBlob'], prefixMatch: ['${deadLetterContainerName}/'] }
    actions: {
      baseBlob: { delete: { daysAfterModificationGreaterThan: deadLetterRetentionDays } }
      version: { delete: { daysAfterCreationGreaterThan: deadLetterRetentionDays } }
    }
  }
}
// A deleted or overwritten blob leaves its bytes behind as a previous version. So does a ready version whose blob
// is overwritten through a still-valid upload link, and downloads stay pinned to it: this rule would delete the
// bytes it serves, which is why it is off unless asked for.
var fileVersionRule = {
  name: 'expire-noncurrent-file-versions'
  enabled: true
  type: 'Lifecycle'
  definition: {
    filters: { blobTypes: ['blockBlob'], prefixMatch: ['${containerName}/'] }
    actions: { version: { delete: { daysAfterCreationGreaterThan: nonCurrentFileVersionRetentionDays } } }
  }
}

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: storage
  name: 'default'
  dependsOn: [blobService]
  properties: {
    policy: {
      rules: concat([deadLetterRule], nonCurrentFileVersionRetentionDays > 0 ? [fileVersionRule] : [])
    }
  }
}

// Read, write and delete the files container's blobs (links signed with the delegation key can do no more than
// this), and nothing in any other container.
resource appBlobDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: filesContainer
  name: guid(filesContainer.id, appIdentity.id, storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Get the user delegation key that signs links: an account-level action, and all this role allows.
resource appBlobDelegator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, appIdentity.id, storageBlobDelegator)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDelegator)
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

var usePostgres = databaseEngine == 'postgresql'

resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = if (usePostgres) {
  name: 'psql-${resourceToken}'
  location: location
  tags: tags
  sku: { name: 'Standard_B1ms', tier: 'Burstable' }
  properties: {
    version: '16'
    storage: { storageSizeGB: 32, autoGrow: 'Enabled' }
    backup: { backupRetentionDays: 7, geoRedundantBackup: 'Disabled' }
    highAvailability: { mode: 'Disabled' }
    // Microsoft Entra sign-in only: there is no password to keep.
    authConfig: { activeDirectoryAuth: 'Enabled', passwordAuth: 'Disabled', tenantId: tenant().tenantId }
    network: { publicNetworkAccess: 'Enabled' }
  }
}

// Connections from Azure services (the app). The predeploy hook opens the deployer's address while it runs.
resource postgresFromAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = if (usePostgres) {
  parent: postgres
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: { startIpAddress: '0.0.0.0', endIpAddress: '0.0.0.0' }
}

// Whoever runs azd administers the server; the predeploy hook signs in as them to create the app's principal
// (the app's identity is a database principal with row rights only, not an administrator) and to migrate.
resource postgresAdministrator 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2024-08-01' = if (usePostgres) {
  parent: postgres
  name: principalId
  // The server takes one change at a time.
  dependsOn: [postgresFromAzure]
  properties: {
    principalName: principalName
    principalType: principalType
    tenantId: tenant().tenantId
  }
}

// Azure SQL Database instead, when databaseEngine is sqlserver: Entra-only authentication (no SQL login or password
// exists), whoever runs azd its Entra administrator. The predeploy hook migrates as them and makes the app's identity
// a contained user with rows only (db_datareader, db_datawriter); the app never changes the schema.
resource sqlServer 'Microsoft.Sql/servers@2023-08-01' = if (!usePostgres) {
  name: 'sql-${resourceToken}'
  location: location
  tags: tags
  properties: {
    minimalTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    administrators: {
      administratorType: 'ActiveDirectory'
      azureADOnlyAuthentication: true
      login: principalName
      sid: principalId
      principalType: principalType == 'ServicePrincipal' ? 'Application' : 'User'
      tenantId: tenant().tenantId
    }
  }
}

// Serverless General Purpose: 0.5 to 1 vCore, paused after an hour idle (billed for storage only while paused).
resource sqlDatabase 'Microsoft.Sql/servers/databases@2023-08-01' = if (!usePostgres) {
  parent: sqlServer
  name: sqlDatabaseName
  location: location
  tags: tags
  sku: { name: 'GP_S_Gen5_1', tier: 'GeneralPurpose', family: 'Gen5', capacity: 1 }
  properties: {
    // UTF-8 by default: SqlClient encodes varchar parameters (path keys) in the database's default collation, so any other would lose non-Latin characters.
    collation: 'Latin1_General_100_CI_AS_SC_UTF8'
    autoPauseDelay: 60
    minCapacity: json('0.5')
    zoneRedundant: false
    requestedBackupStorageRedundancy: 'Local'
  }
}

// Connections from Azure services (the app). The predeploy hook opens the deployer's address while it runs.
resource sqlFromAzure 'Microsoft.Sql/servers/firewallRules@2023-08-01' = if (!usePostgres) {
  parent: sqlServer
  name: 'AllowAllWindowsAzureIps'
  properties: { startIpAddress: '0.0.0.0', endIpAddress: '0.0.0.0' }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: 'plan-${resourceToken}'
  location: location
  tags: tags
  kind: 'linux'
  sku: { name: appServiceSkuName }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2023-12-01' = {
  name: 'app-${resourceToken}'
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${appIdentity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    siteConfig: {
      linuxFxVersion: 'DOTNETCORE|10.0'
      appCommandLine: 'dotnet FileApi.dll'
      alwaysOn: true
      healthCheckPath: '/healthz/ready'
      http20Enabled: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
  }
}

// Every setting the app needs in Azure, under the name it reads ('__' for ':'). The test
// AzureDeploymentTests compares these names with the app's options, so neither side can drift.
var appSettings = {
  // Both sign in as the app's managed identity with no password: Npgsql with its Entra token as the password
  // (UseEntraAuthentication), SqlClient by itself (Authentication=Active Directory Managed Identity, the identity's client id).
  ConnectionStrings__FileApi: usePostgres
    ? 'Host=${postgres!.properties.fullyQualifiedDomainName};Database=${postgresDatabaseName};Username=${appIdentity.name};Ssl Mode=VerifyFull'
    : 'Server=tcp:${sqlServer!.properties.fullyQualifiedDomainName},1433;Database=${sqlDatabaseName};Authentication=Active Directory Managed Identity;User Id=${appIdentity.properties.clientId};Encrypt=True'
  Database__Provider: usePostgres ? 'PostgreSql' : 'SqlServer'
  Database__UseEntraAuthentication: usePostgres ? 'true' : 'false'
  Database__ManagedIdentityClientId: appIdentity.properties.clientId
  Storage__ServiceUri: storage.properties.primaryEndpoints.blob
  Storage__AccountName: storage.name
  Storage__Container: containerName
  Storage__ManagedIdentityClientId: appIdentity.properties.clientId
  Auth__TenantId: tenant().tenantId
  Auth__ClientId: apiClientId
  // The page signs in with MSAL.js as this client; its authority and scope follow from Auth (GET /app/config.json).
  BrowserSignIn__ClientId: browserClientId
  Events__RequiredAppRole: eventGridSubscriberRole
  // App Service terminates TLS; this makes the app see the original scheme and client address.
  ASPNETCORE_FORWARDEDHEADERS_ENABLED: 'true'
  // The app's OpenTelemetry exports traces, metrics and logs here (Telemetry/TelemetryExtensions.cs); no App Service agent.
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  // azd deploys the output of `dotnet publish`; nothing is built on the server.
  SCM_DO_BUILD_DURING_DEPLOYMENT: 'false'
}

resource appSettingsConfig 'Microsoft.Web/sites/config@2023-12-01' = {
  parent: app
  name: 'appsettings'
  properties: appSettings
}

// No FTP or Kudu passwords: azd deploys with the deployer's Entra token.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: app
  name: 'ftp'
  properties: { allow: false }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2023-12-01' = {
  parent: app
  name: 'scm'
  properties: { allow: false }
}

resource appDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'logs'
  scope: app
  properties: {
    workspaceId: logs.id
    logs: [
      { category: 'AppServiceHTTPLogs', enabled: true }
      { category: 'AppServiceConsoleLogs', enabled: true }
      { category: 'AppServicePlatformLogs', enabled: true }
    ]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

// Blob events of the account. Its identity writes dead letters, since the account takes no shared key.
resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: 'evgt-${resourceToken}'
  location: location
  tags: tags
  identity: { type: 'SystemAssigned' }
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

// Write dead letters, into their own container only.
resource topicDeadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: deadLetterContainer
  name: guid(deadLetterContainer.id, systemTopic.id, storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: systemTopic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource topicDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'logs'
  scope: systemTopic
  properties: {
    workspaceId: logs.id
    logs: [{ category: 'DeliveryFailures', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

output appName string = app.name
output appUri string = 'https://${app.properties.defaultHostName}'
output appIdentityName string = appIdentity.name
output appIdentityPrincipalId string = appIdentity.properties.principalId
output appIdentityClientId string = appIdentity.properties.clientId
output storageAccountName string = storage.name
output storageBlobEndpoint string = storage.properties.primaryEndpoints.blob
output containerName string = filesContainer.name
output deadLetterContainerName string = deadLetterContainer.name
output postgresServerName string = usePostgres ? postgres.name : ''
output postgresHost string = usePostgres ? postgres!.properties.fullyQualifiedDomainName : ''
output postgresDatabaseName string = usePostgres ? postgresDatabaseName : ''
output sqlServerName string = usePostgres ? '' : sqlServer.name
output sqlServerHost string = usePostgres ? '' : sqlServer!.properties.fullyQualifiedDomainName
output sqlDatabaseName string = usePostgres ? '' : sqlDatabase.name
output systemTopicName string = systemTopic.name
