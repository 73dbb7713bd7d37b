// The Azure resources matter-pipeline needs: Service Bus queues, a storage container, the Blob-upload trigger
// (Event Grid -> Service Bus queue `blob-events`) and one user-assigned identity the services run as.
// The four services themselves run on VM scale sets (one per service) or any container host; see infra/README.md.
// Not deployed from CI (no Azure subscription there): validate with `az bicep build --file infra/main.bicep`.

@description('Prefix of every resource name.')
param prefix string = 'matterpipeline'

@description('Azure region.')
param location string = resourceGroup().location

@description('Service Bus lock duration; the services renew locks while a model call runs.')
param lockDuration string = 'PT1M'

@description('Deliveries before a message is dead-lettered; keep equal to the services\' max-deliveries.')
param maxDeliveryCount int = 10

var queues = [
  'documents'
  'pages'
  'results'
  'matters-completed'
  'blob-events'
  'ingest-requests'
]
var container = 'matter-pipeline'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${prefix}-services'
  location: location
}

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: '${prefix}-bus'
  location: location
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true // managed identity only; use a connection string only against the emulator
  }
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = [for name in queues: {
  parent: namespace
  name: name
  properties: {
    lockDuration: lockDuration
    maxDeliveryCount: maxDeliveryCount
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    deadLetteringOnMessageExpiration: true
    maxSizeInMegabytes: 5120
  }
}]

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take(replace('${prefix}store', '-', ''), 24)
  location: location
  sku: {
    name: 'Standard_LRS'
  }
  kind: 'StorageV2'
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
    accessTier: 'Hot'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource blobContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: container
}

// Built-in role definition ids.
var serviceBusDataOwner = '090c5cfd-751d-490a-894a-3ce6f1109419'
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var serviceBusDataSender = '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'

resource busRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: namespace
  name: guid(namespace.id, identity.id, serviceBusDataOwner)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataOwner)
  }
}

resource blobRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identity.id, storageBlobDataContributor)
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
  }
}

// Blob-upload trigger: BlobCreated events under inbox/ go to the `blob-events` queue.
resource systemTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: '${prefix}-storage-events'
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

resource topicSendsToBus 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: namespace
  name: guid(namespace.id, systemTopic.id, serviceBusDataSender)
  properties: {
    principalId: systemTopic.identity.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataSender)
  }
}

resource inboxSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: systemTopic
  name: 'inbox-to-blob-events'
  dependsOn: [
    topicSendsToBus
    queue
  ]
  properties: {
    eventDeliverySchema: 'CloudEventSchemaV1_0'
    deliveryWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      destination: {
        endpointType: 'ServiceBusQueue'
        properties: {
          resourceId: '${namespace.id}/queues/blob-events'
        }
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      subjectBeginsWith: '/blobServices/default/containers/${container}/blobs/inbox/'
    }
  }
}

output serviceBusNamespace string = '${namespace.name}.servicebus.windows.net'
output blobAccountUrl string = storage.properties.primaryEndpoints.blob
output container string = container
output servicesIdentityClientId string = identity.properties.clientId
