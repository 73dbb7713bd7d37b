# Exactly the settings the services need (docs/deploy.md): names and endpoints, never a key.

output "service_environment" {
  description = "Per service, the environment its instances run with (also in infra/kubernetes's ConfigMap)."
  value       = local.service_env
  # Terraform marks the Application Insights connection string sensitive; it names the resource and carries no
  # credential (ingestion needs an Entra token, local authentication is off).
  sensitive = true
}

output "servicebus_namespace" {
  description = "matter-pipeline.bus.servicebus.fully-qualified-namespace"
  value       = "${azurerm_servicebus_namespace.main.name}.servicebus.windows.net"
}

output "blob_account_url" {
  description = "matter-pipeline.blob.azure.account-url"
  value       = azurerm_storage_account.main.primary_blob_endpoint
}

output "container" {
  description = "matter-pipeline.blob.azure.container"
  value       = local.container
}

output "releases_url" {
  description = "Where the service jars go: <releases_url>/<release>/<service>.jar"
  value       = "${azurerm_storage_account.main.primary_blob_endpoint}${local.releases_container}"
}

output "identity_client_ids" {
  description = "AZURE_CLIENT_ID per service (and the operator and KEDA identities, when created)."
  value = merge(
    { for name, identity in azurerm_user_assigned_identity.service : name => identity.client_id },
    var.create_operator_identity ? { operator = azurerm_user_assigned_identity.operator[0].client_id } : {},
    var.aks_oidc_issuer_url == "" ? {} : { keda = azurerm_user_assigned_identity.keda[0].client_id }
  )
}

output "ingest_public_ip" {
  description = "Point the DNS record of ingest_host_name here."
  value       = azurerm_public_ip.ingest.ip_address
}

output "ingest_url" {
  description = "The HTTP API."
  value       = "https://${var.ingest_host_name}/"
}
