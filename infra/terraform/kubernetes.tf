# Only for infra/kubernetes: each service's identity trusts its service account (workload identity), and KEDA's
# azure-servicebus scaler gets an identity of its own. That scaler reads queue runtime properties, which needs the
# Manage right: Data Owner, scoped to the queues it scales on and held by no service.
resource "azurerm_federated_identity_credential" "service" {
  for_each            = var.aks_oidc_issuer_url == "" ? {} : local.services
  name                = "kubernetes-${each.key}"
  resource_group_name = azurerm_resource_group.main.name
  parent_id           = azurerm_user_assigned_identity.service[each.key].id
  audience            = ["api://AzureADTokenExchange"]
  issuer              = var.aks_oidc_issuer_url
  subject             = "system:serviceaccount:matter-pipeline:${each.key}"
}

resource "azurerm_user_assigned_identity" "keda" {
  count               = var.aks_oidc_issuer_url == "" ? 0 : 1
  name                = "${var.prefix}-keda"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  tags                = local.tags
}

resource "azurerm_federated_identity_credential" "keda" {
  count               = var.aks_oidc_issuer_url == "" ? 0 : 1
  name                = "kubernetes-keda-operator"
  resource_group_name = azurerm_resource_group.main.name
  parent_id           = azurerm_user_assigned_identity.keda[0].id
  audience            = ["api://AzureADTokenExchange"]
  issuer              = var.aks_oidc_issuer_url
  subject             = "system:serviceaccount:keda:keda-operator"
}

resource "azurerm_role_assignment" "keda_reads_queues" {
  for_each             = var.aks_oidc_issuer_url == "" ? toset([]) : toset(flatten([for s in local.scaling.services : s.queues]))
  scope                = azurerm_servicebus_queue.queue[each.value].id
  role_definition_name = "Azure Service Bus Data Owner"
  principal_id         = azurerm_user_assigned_identity.keda[0].principal_id
  principal_type       = "ServicePrincipal"
}
