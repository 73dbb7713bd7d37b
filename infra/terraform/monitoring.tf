resource "azurerm_log_analytics_workspace" "main" {
  name                = "${var.prefix}-logs"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  sku                 = "PerGB2018"
  retention_in_days   = var.log_retention_days
  tags                = local.tags
}

# Workspace-based Application Insights; every service's agent sends to it with its managed identity (Monitoring
# Metrics Publisher), so the connection string alone lets nobody write telemetry.
resource "azurerm_application_insights" "main" {
  name                          = "${var.prefix}-insights"
  location                      = azurerm_resource_group.main.location
  resource_group_name           = azurerm_resource_group.main.name
  workspace_id                  = azurerm_log_analytics_workspace.main.id
  application_type              = "java"
  local_authentication_disabled = true
  tags                          = local.tags
}

resource "azurerm_monitor_diagnostic_setting" "servicebus" {
  name                       = "to-log-analytics"
  target_resource_id         = azurerm_servicebus_namespace.main.id
  log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id
  enabled_log {
    category_group = "allLogs"
  }
  enabled_metric {
    category = "AllMetrics"
  }
}

resource "azurerm_monitor_action_group" "operators" {
  name                = "${var.prefix}-operators"
  resource_group_name = azurerm_resource_group.main.name
  short_name          = "matterops"
  email_receiver {
    name                    = "operators"
    email_address           = var.alert_email
    use_common_alert_schema = true
  }
  tags = local.tags
}

# Any message dead-lettered on any queue (split per queue: one alert each).
resource "azurerm_monitor_metric_alert" "dead_letters" {
  name                = "${var.prefix}-dead-letters"
  resource_group_name = azurerm_resource_group.main.name
  scopes              = [azurerm_servicebus_namespace.main.id]
  description         = "Messages in a dead-letter queue: inspect and replay them (docs/operations.md, Dead letters)."
  severity            = 2
  frequency           = "PT5M"
  window_size         = "PT15M"
  criteria {
    metric_namespace = "Microsoft.ServiceBus/namespaces"
    metric_name      = "DeadletteredMessages"
    aggregation      = "Maximum"
    operator         = "GreaterThan"
    threshold        = 0
    dimension {
      name     = "EntityName"
      operator = "Include"
      values   = ["*"]
    }
  }
  action {
    action_group_id = azurerm_monitor_action_group.operators.id
  }
  tags = local.tags
}

# A backlog growing beyond what the scale sets can take (the autoscale maximum is reached or instances fail).
resource "azurerm_monitor_metric_alert" "backlog" {
  name                = "${var.prefix}-backlog-growing"
  resource_group_name = azurerm_resource_group.main.name
  scopes              = [azurerm_servicebus_namespace.main.id]
  description         = "A queue's backlog grows unusually (dynamic threshold): check the scale set of its consumer and its instances' health."
  severity            = 2
  frequency           = "PT5M"
  window_size         = "PT30M"
  dynamic_criteria {
    metric_namespace         = "Microsoft.ServiceBus/namespaces"
    metric_name              = "ActiveMessages"
    aggregation              = "Average"
    operator                 = "GreaterThan"
    alert_sensitivity        = "Medium"
    evaluation_total_count   = 4
    evaluation_failure_count = 4
    dimension {
      name     = "EntityName"
      operator = "Include"
      values   = ["*"]
    }
  }
  action {
    action_group_id = azurerm_monitor_action_group.operators.id
  }
  tags = local.tags
}

# Work waits but no Matter completes: results are queued and nothing reached matters-completed for an hour.
resource "azurerm_monitor_metric_alert" "no_matter_completed" {
  name                = "${var.prefix}-no-matter-completed"
  resource_group_name = azurerm_resource_group.main.name
  scopes              = [azurerm_servicebus_namespace.main.id]
  description         = "Results wait on the results queue but no MatterCompleted was published for an hour: the aggregator is stuck or down."
  severity            = 1
  frequency           = "PT15M"
  window_size         = "PT1H"
  criteria {
    metric_namespace = "Microsoft.ServiceBus/namespaces"
    metric_name      = "ActiveMessages"
    aggregation      = "Minimum"
    operator         = "GreaterThan"
    threshold        = 0
    dimension {
      name     = "EntityName"
      operator = "Include"
      values   = ["results"]
    }
  }
  criteria {
    metric_namespace = "Microsoft.ServiceBus/namespaces"
    metric_name      = "IncomingMessages"
    aggregation      = "Total"
    operator         = "LessThan"
    threshold        = 1
    dimension {
      name     = "EntityName"
      operator = "Include"
      values   = ["matters-completed"]
    }
  }
  action {
    action_group_id = azurerm_monitor_action_group.operators.id
  }
  tags = local.tags
}

# Pages failed (Micrometer matterpipeline.pages{outcome=failed}, recorded by the aggregator; customMetrics
# matterpipeline_pages: Application Insights names meters in snake case).
resource "azurerm_monitor_scheduled_query_rules_alert_v2" "pages_failed" {
  name                 = "${var.prefix}-pages-failed"
  location             = azurerm_resource_group.main.location
  resource_group_name  = azurerm_resource_group.main.name
  scopes               = [azurerm_application_insights.main.id]
  description          = "Pages ended failed (their Matters end PARTIAL): see the failures in result.json and the dead letters."
  severity             = 2
  evaluation_frequency = "PT15M"
  window_duration      = "PT15M"
  criteria {
    query                   = <<-KQL
      customMetrics
      | where name == "matterpipeline_pages" and tostring(customDimensions.outcome) == "failed"
      | summarize failed = sum(valueSum) by bin(timestamp, 15m)
    KQL
    time_aggregation_method = "Total"
    metric_measure_column   = "failed"
    operator                = "GreaterThan"
    threshold               = 0
    failing_periods {
      minimum_failing_periods_to_trigger_alert = 1
      number_of_evaluation_periods             = 1
    }
  }
  action {
    action_groups = [azurerm_monitor_action_group.operators.id]
  }
  tags = local.tags
}

# Instances that stopped reporting readiness (the scale sets repair them; an alert when that does not help).
resource "azurerm_monitor_scheduled_query_rules_alert_v2" "instances_silent" {
  name                 = "${var.prefix}-instances-silent"
  location             = azurerm_resource_group.main.location
  resource_group_name  = azurerm_resource_group.main.name
  scopes               = [azurerm_application_insights.main.id]
  description          = "A service has no instance sending telemetry for 10 minutes."
  severity             = 1
  evaluation_frequency = "PT5M"
  window_duration      = "PT10M"
  criteria {
    query                   = <<-KQL
      let roles = datatable(role: string) ["ingest-service", "page-splitter", "llm-worker", "aggregator"];
      roles
      | join kind=leftouter (customMetrics | where timestamp > ago(10m) | summarize instances = dcount(cloud_RoleInstance) by role = cloud_RoleName) on role
      | where isnull(instances) or instances == 0
    KQL
    time_aggregation_method = "Count"
    operator                = "GreaterThan"
    threshold               = 0
    failing_periods {
      minimum_failing_periods_to_trigger_alert = 1
      number_of_evaluation_periods             = 1
    }
  }
  action {
    action_groups = [azurerm_monitor_action_group.operators.id]
  }
  tags = local.tags
}

# The operators' page in the Portal: backlog per queue, instances per service, pages/s, model latency.
resource "azurerm_application_insights_workbook" "pipeline" {
  name                = uuidv5("url", "https://matter-pipeline/${var.prefix}/workbook")
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  display_name        = "matter-pipeline (${var.prefix})"
  source_id           = lower(azurerm_application_insights.main.id)
  category            = "workbook"
  data_json = templatefile("${path.module}/workbook.json.tftpl", {
    namespace_id = azurerm_servicebus_namespace.main.id
    insights_id  = azurerm_application_insights.main.id
  })
  tags = local.tags
}
