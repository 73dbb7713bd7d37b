resource "azurerm_servicebus_namespace" "main" {
  name                = "${var.prefix}-bus"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  sku                 = var.servicebus_sku
  # Premium namespaces are zone-redundant in regions with zones; Standard is not (docs/deploy.md, losing a zone).
  capacity                     = var.servicebus_sku == "Premium" ? var.servicebus_premium_capacity : 0
  premium_messaging_partitions = var.servicebus_sku == "Premium" ? 1 : 0
  local_auth_enabled           = false # Entra ID only: no SAS keys to leak
  minimum_tls_version          = "1.2"
  tags                         = local.tags
}

resource "azurerm_servicebus_queue" "queue" {
  for_each     = toset(local.queues)
  name         = each.value
  namespace_id = azurerm_servicebus_namespace.main.id

  lock_duration                           = var.queue_lock_duration
  max_delivery_count                      = local.queue_settings.max_delivery_count
  requires_duplicate_detection            = true
  duplicate_detection_history_time_window = local.queue_settings.duplicate_detection_window
  dead_lettering_on_message_expiration    = true
  default_message_ttl                     = var.queue_message_ttl
  max_size_in_megabytes                   = 5120
  partitioning_enabled                    = false
  requires_session                        = false
}

# Blob-upload trigger: BlobCreated events under inbox/ of the pipeline's container go to the blob-events queue,
# delivered with the system topic's own identity (Data Sender on that one queue).
resource "azurerm_eventgrid_system_topic" "storage" {
  name                = "${var.prefix}-storage-events"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  source_resource_id  = azurerm_storage_account.main.id
  topic_type          = "Microsoft.Storage.StorageAccounts"
  identity {
    type = "SystemAssigned"
  }
  tags = local.tags
}

resource "azurerm_role_assignment" "eventgrid_sends_blob_events" {
  scope                = azurerm_servicebus_queue.queue["blob-events"].id
  role_definition_name = "Azure Service Bus Data Sender"
  principal_id         = azurerm_eventgrid_system_topic.storage.identity[0].principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_eventgrid_system_topic_event_subscription" "inbox" {
  name                = "inbox-to-blob-events"
  system_topic        = azurerm_eventgrid_system_topic.storage.name
  resource_group_name = azurerm_resource_group.main.name

  event_delivery_schema          = "CloudEventSchemaV1_0"
  service_bus_queue_endpoint_id  = azurerm_servicebus_queue.queue["blob-events"].id
  included_event_types           = ["Microsoft.Storage.BlobCreated"]
  delivery_identity {
    type = "SystemAssigned"
  }
  subject_filter {
    subject_begins_with = "/blobServices/default/containers/${local.container}/blobs/${local.inbox}/"
  }
  retry_policy {
    max_delivery_attempts = 30
    event_time_to_live    = 1440
  }

  depends_on = [azurerm_role_assignment.eventgrid_sends_blob_events]
}
