resource "azurerm_storage_account" "main" {
  name                     = "${var.prefix}store"
  location                 = azurerm_resource_group.main.location
  resource_group_name      = azurerm_resource_group.main.name
  account_kind             = "StorageV2"
  account_tier             = "Standard"
  account_replication_type = "ZRS" # three zones; GZRS adds a paired-region copy (docs/deploy.md, losing a region)
  access_tier              = "Hot"

  shared_access_key_enabled       = false # Entra ID only: no account keys, no SAS
  default_to_oauth_authentication = true
  allow_nested_items_to_be_public = false
  min_tls_version                 = "TLS1_2"
  https_traffic_only_enabled      = true

  blob_properties {
    versioning_enabled = true
    delete_retention_policy {
      days = var.result_retention_days
    }
    container_delete_retention_policy {
      days = var.result_retention_days
    }
  }
  tags = local.tags
}

# The pipeline's own container: inbox/, matters/ (sources, pages, extractions, progress, results), tokens/.
resource "azurerm_storage_container" "pipeline" {
  name                  = local.container
  storage_account_id    = azurerm_storage_account.main.id
  container_access_type = "private"
}

# The service jars, <release>/<service>.jar, read by the instances with their managed identity.
resource "azurerm_storage_container" "releases" {
  name                  = local.releases_container
  storage_account_id    = azurerm_storage_account.main.id
  container_access_type = "private"
}

resource "azurerm_storage_management_policy" "main" {
  storage_account_id = azurerm_storage_account.main.id
  rule {
    name    = "inbox-expiry"
    enabled = true
    filters {
      blob_types   = ["blockBlob"]
      prefix_match = ["${local.container}/${local.inbox}/"]
    }
    actions {
      base_blob {
        delete_after_days_since_modification_greater_than = var.inbox_retention_days
      }
    }
  }
  rule {
    name    = "old-versions"
    enabled = true
    filters {
      blob_types   = ["blockBlob"]
      prefix_match = ["${local.container}/"]
    }
    actions {
      version {
        delete_after_days_since_creation = var.result_retention_days
      }
    }
  }
}
