# One user-assigned identity per service, with data-plane roles on exactly the queues and container it uses.
resource "azurerm_user_assigned_identity" "service" {
  for_each            = local.services
  name                = "${var.prefix}-${each.key}"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  tags                = local.tags
}

resource "azurerm_role_assignment" "queue" {
  for_each             = local.queue_roles
  scope                = azurerm_servicebus_queue.queue[each.value.queue].id
  role_definition_name = each.value.role
  principal_id         = azurerm_user_assigned_identity.service[each.value.service].principal_id
  principal_type       = "ServicePrincipal"
}

# Every service reads and writes the pipeline's blobs (claim check: sources, pages, extractions, progress, results).
resource "azurerm_role_assignment" "pipeline_container" {
  for_each             = local.services
  scope                = azurerm_storage_container.pipeline.id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_user_assigned_identity.service[each.key].principal_id
  principal_type       = "ServicePrincipal"
}

# Instances download their jar at deployment: read-only on the releases container.
resource "azurerm_role_assignment" "releases_container" {
  for_each             = local.services
  scope                = azurerm_storage_container.releases.id
  role_definition_name = "Storage Blob Data Reader"
  principal_id         = azurerm_user_assigned_identity.service[each.key].principal_id
  principal_type       = "ServicePrincipal"
}

# Telemetry is accepted only with an Entra token (local authentication is off on Application Insights).
resource "azurerm_role_assignment" "telemetry" {
  for_each             = local.services
  scope                = azurerm_application_insights.main.id
  role_definition_name = "Monitoring Metrics Publisher"
  principal_id         = azurerm_user_assigned_identity.service[each.key].principal_id
  principal_type       = "ServicePrincipal"
}

# Optional: the identity an operator (or a jump host) uses for dead-letter inspection and replay
# (matter-pipeline.jar dead-letters); no service runs as it.
resource "azurerm_user_assigned_identity" "operator" {
  count               = var.create_operator_identity ? 1 : 0
  name                = "${var.prefix}-operator"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  tags                = local.tags
}

resource "azurerm_role_assignment" "operator_bus" {
  count                = var.create_operator_identity ? 1 : 0
  scope                = azurerm_servicebus_namespace.main.id
  role_definition_name = "Azure Service Bus Data Owner"
  principal_id         = azurerm_user_assigned_identity.operator[0].principal_id
  principal_type       = "ServicePrincipal"
}

# The Application Gateway reads the TLS certificate (a Key Vault secret) and nothing else.
resource "azurerm_user_assigned_identity" "gateway" {
  name                = "${var.prefix}-gateway"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  tags                = local.tags
}

resource "azurerm_role_assignment" "gateway_certificate" {
  scope                = "${var.tls_key_vault_id}/secrets/${var.tls_certificate_name}"
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.gateway.principal_id
  principal_type       = "ServicePrincipal"
}
