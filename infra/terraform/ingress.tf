# The HTTP API (ingest-service) behind an Application Gateway v2 across zones 1-3, TLS terminated with a certificate
# from Key Vault; HTTP redirects to HTTPS. The backend pool is the ingest scale set; the probe is its readiness.
locals {
  gateway = {
    backend_pool  = "ingest"
    http_settings = "ingest-http"
    probe         = "ingest-readiness"
    frontend_ip   = "public"
    https_port    = "https"
    http_port     = "http"
    https         = "https"
    http          = "http"
    certificate   = "ingest-tls"
  }
}

resource "azurerm_public_ip" "ingest" {
  name                = "${var.prefix}-ingest-ip"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  allocation_method   = "Static"
  sku                 = "Standard"
  zones               = ["1", "2", "3"]
  tags                = local.tags
}

resource "azurerm_application_gateway" "ingest" {
  name                = "${var.prefix}-ingest"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  zones               = ["1", "2", "3"]
  http2_enabled       = true

  sku {
    name = "Standard_v2"
    tier = "Standard_v2"
  }
  autoscale_configuration {
    min_capacity = 1
    max_capacity = 5
  }
  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.gateway.id]
  }
  gateway_ip_configuration {
    name      = "gateway"
    subnet_id = azurerm_subnet.gateway.id
  }
  frontend_ip_configuration {
    name                 = local.gateway.frontend_ip
    public_ip_address_id = azurerm_public_ip.ingest.id
  }
  frontend_port {
    name = local.gateway.https_port
    port = 443
  }
  frontend_port {
    name = local.gateway.http_port
    port = 80
  }
  ssl_certificate {
    name                = local.gateway.certificate
    key_vault_secret_id = "https://${element(split("/", var.tls_key_vault_id), 8)}.vault.azure.net/secrets/${var.tls_certificate_name}"
  }
  ssl_policy {
    policy_type = "Predefined"
    policy_name = "AppGwSslPolicy20220101S"
  }
  backend_address_pool {
    name = local.gateway.backend_pool
  }
  probe {
    name                                      = local.gateway.probe
    protocol                                  = "Http"
    path                                      = local.health_path
    interval                                  = 10
    timeout                                   = 5
    unhealthy_threshold                       = 3
    pick_host_name_from_backend_http_settings = true
    match {
      status_code = ["200"]
    }
  }
  backend_http_settings {
    name                                = local.gateway.http_settings
    protocol                            = "Http"
    port                                = local.http_port
    cookie_based_affinity               = "Disabled"
    request_timeout                     = 600 # uploads stream up to max-document-size
    probe_name                          = local.gateway.probe
    pick_host_name_from_backend_address = true
    connection_draining {
      enabled           = true
      drain_timeout_sec = local.stop_timeout_seconds
    }
  }
  http_listener {
    name                           = local.gateway.https
    frontend_ip_configuration_name = local.gateway.frontend_ip
    frontend_port_name             = local.gateway.https_port
    protocol                       = "Https"
    ssl_certificate_name           = local.gateway.certificate
    host_name                      = var.ingest_host_name
  }
  http_listener {
    name                           = local.gateway.http
    frontend_ip_configuration_name = local.gateway.frontend_ip
    frontend_port_name             = local.gateway.http_port
    protocol                       = "Http"
    host_name                      = var.ingest_host_name
  }
  redirect_configuration {
    name                 = "http-to-https"
    redirect_type        = "Permanent"
    target_listener_name = local.gateway.https
    include_path         = true
    include_query_string = true
  }
  request_routing_rule {
    name                       = "api"
    rule_type                  = "Basic"
    priority                   = 100
    http_listener_name         = local.gateway.https
    backend_address_pool_name  = local.gateway.backend_pool
    backend_http_settings_name = local.gateway.http_settings
  }
  request_routing_rule {
    name                        = "http-to-https"
    rule_type                   = "Basic"
    priority                    = 200
    http_listener_name          = local.gateway.http
    redirect_configuration_name = "http-to-https"
  }

  tags = local.tags

  depends_on = [azurerm_role_assignment.gateway_certificate]
}
