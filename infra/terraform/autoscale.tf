# Autoscale per service on its own queue(s): ActiveMessages of the namespace filtered by EntityName, divided by the
# instance count, with the numbers of infra/scaling.json. Azure scales out when any out-rule fires and in only when
# every in-rule does.
resource "azurerm_monitor_autoscale_setting" "service" {
  for_each            = local.services
  name                = "${var.prefix}-${each.key}"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  target_resource_id  = azurerm_linux_virtual_machine_scale_set.service[each.key].id

  profile {
    name = "queue-depth"
    capacity {
      default = local.scaling.services[each.key].defaultInstances
      minimum = local.scaling.services[each.key].minInstances
      maximum = local.scaling.services[each.key].maxInstances
    }

    # Per queue: scale out above the per-instance backlog, scale in below it.
    dynamic "rule" {
      for_each = flatten([
        for queue in local.scaling.services[each.key].queues : [
          { queue = queue, operator = "GreaterThan", threshold = local.scaling.services[each.key].scaleOutAboveMessagesPerInstance, direction = "Increase", value = local.scaling.services[each.key].scaleOutBy, cooldown = local.scaling.services[each.key].scaleOutCooldown },
          { queue = queue, operator = "LessThan", threshold = local.scaling.services[each.key].scaleInBelowMessagesPerInstance, direction = "Decrease", value = local.scaling.services[each.key].scaleInBy, cooldown = local.scaling.services[each.key].scaleInCooldown },
        ]
      ])
      content {
        metric_trigger {
          metric_name              = "ActiveMessages"
          metric_namespace         = "Microsoft.ServiceBus/namespaces"
          metric_resource_id       = azurerm_servicebus_namespace.main.id
          time_grain               = "PT1M"
          statistic                = "Average"
          time_window              = local.scaling.window
          time_aggregation         = "Average"
          operator                 = rule.value.operator
          threshold                = rule.value.threshold
          divide_by_instance_count = true
          dimensions {
            name     = "EntityName"
            operator = "Equals"
            values   = [rule.value.queue]
          }
        }
        scale_action {
          direction = rule.value.direction
          type      = "ChangeCount"
          value     = rule.value.value
          cooldown  = rule.value.cooldown
        }
      }
    }
  }

  tags = local.tags
}
