# One scale set per service, across zones 1-3. Each instance runs its service jar as a systemd unit (cloud-init sets
# up Java, the unit and the drain hook; the release extension brings the jar and its environment), reports readiness
# to the Application Health extension, is replaced when unhealthy and upgraded in rolling batches.
resource "azurerm_linux_virtual_machine_scale_set" "service" {
  for_each            = local.services
  name                = "${var.prefix}-${each.key}"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  sku                 = var.vm_sizes[each.key]
  instances           = local.scaling.services[each.key].defaultInstances
  zones               = ["1", "2", "3"]
  # Best-effort spread: when a zone is down, new instances go to the zones left (docs/deploy.md).
  zone_balance                    = false
  admin_username                  = "matterops"
  disable_password_authentication = true
  overprovision                   = false
  upgrade_mode                    = "Rolling"
  computer_name_prefix            = substr(replace(each.key, "-", ""), 0, 9)
  source_image_id                 = lookup(var.custom_image_ids, each.key, null)
  custom_data = base64encode(templatefile("${path.module}/cloud-init/service.yaml.tftpl", {
    service                = each.key
    gpu                    = each.value.gpu
    heap_percent           = each.value.gpu ? 50 : 75
    jvm_options            = lookup(var.jvm_options, each.key, "")
    shutdown_grace_seconds = local.shutdown_grace_seconds
    stop_timeout_seconds   = local.stop_timeout_seconds
    deploy_script          = filebase64("${path.module}/cloud-init/deploy.sh")
    drain_script           = filebase64("${path.module}/cloud-init/drain.sh")
    model_server           = var.model_server
    model_server_version   = var.model_server_versions[var.model_server]
    model_name             = var.model_name
    model_port             = local.model_port
    model_slots            = var.model_slots_per_instance
  }))

  admin_ssh_key {
    username   = "matterops"
    public_key = var.admin_ssh_public_key
  }

  dynamic "source_image_reference" {
    for_each = contains(keys(var.custom_image_ids), each.key) ? [] : [var.image]
    content {
      publisher = source_image_reference.value.publisher
      offer     = source_image_reference.value.offer
      sku       = source_image_reference.value.sku
      version   = source_image_reference.value.version
    }
  }

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Premium_ZRS"
    disk_size_gb         = each.value.gpu ? 256 : 64
  }

  network_interface {
    name    = "nic"
    primary = true
    ip_configuration {
      name      = "ip"
      primary   = true
      subnet_id = azurerm_subnet.services.id
      application_gateway_backend_address_pool_ids = each.key == "ingest-service" ? [
        for pool in azurerm_application_gateway.ingest.backend_address_pool : pool.id if pool.name == local.gateway.backend_pool
      ] : []
    }
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.service[each.key].id]
  }

  # The jar and its environment: changing the release or any setting updates this extension, which the rolling
  # upgrade applies batch by batch (restart = drain, then start), watching the health extension between batches.
  extension {
    name                       = "matter-pipeline-release"
    publisher                  = "Microsoft.Azure.Extensions"
    type                       = "CustomScript"
    type_handler_version       = "2.1"
    auto_upgrade_minor_version = true
    provision_after_extensions = each.value.gpu ? ["nvidia-gpu-driver"] : []
    settings = jsonencode({
      commandToExecute = join(" ", [
        "/usr/local/bin/matter-pipeline-deploy", each.key,
        "${azurerm_storage_account.main.primary_blob_endpoint}${local.releases_container}/${var.release}/${each.key}.jar",
        azurerm_user_assigned_identity.service[each.key].client_id,
        base64encode(join("\n", [for k, v in local.service_env[each.key] : "${k}=${v}"])),
      ])
    })
  }

  extension {
    name                       = "health"
    publisher                  = "Microsoft.ManagedServices"
    type                       = "ApplicationHealthLinux"
    type_handler_version       = "2.0"
    auto_upgrade_minor_version = true
    provision_after_extensions = ["matter-pipeline-release"]
    settings = jsonencode({
      protocol          = "http"
      port              = local.http_port
      requestPath       = local.health_path
      intervalInSeconds = 10
      numberOfProbes    = 3
      gracePeriod       = each.value.gpu ? 1800 : 300
    })
  }

  dynamic "extension" {
    for_each = each.value.gpu ? ["nvidia"] : []
    content {
      name                       = "nvidia-gpu-driver"
      publisher                  = "Microsoft.HpcCompute"
      type                       = "NvidiaGpuDriverLinux"
      type_handler_version       = "1.9"
      auto_upgrade_minor_version = true
    }
  }

  automatic_instance_repair {
    enabled      = true
    grace_period = each.value.gpu ? "PT30M" : "PT10M"
    action       = "Replace"
  }

  rolling_upgrade_policy {
    max_batch_instance_percent              = 25
    max_unhealthy_instance_percent          = 50
    max_unhealthy_upgraded_instance_percent = 25
    pause_time_between_batches              = "PT1M"
    cross_zone_upgrades_enabled             = true
    prioritize_unhealthy_instances_enabled  = true
    maximum_surge_instances_enabled         = true
  }

  # Scale-in and instance repair send a Terminate Scheduled Event and wait this long for the drain hook's answer.
  termination_notification {
    enabled = true
    timeout = local.termination_notice
  }

  scale_in {
    rule                   = "OldestVM"
    force_deletion_enabled = false
  }

  boot_diagnostics {}

  tags = merge(local.tags, { service = each.key })

  lifecycle {
    # Autoscale owns the instance count after creation.
    ignore_changes = [instances]
  }

  depends_on = [azurerm_subnet_nat_gateway_association.services, azurerm_role_assignment.releases_container]
}
