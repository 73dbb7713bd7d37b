locals {
  # Autoscale numbers, shared with infra/kubernetes (KEDA) and the fleet's local autoscaler.
  scaling = jsondecode(file("${path.module}/../scaling.json"))

  # The queues the services use (io.matterpipeline.contract.Queues; the ingest trigger's and upstream requests'
  # default queue names) and the settings the code relies on. InfraPolicyTests reads the same values from the code.
  queues = ["documents", "pages", "results", "matters-completed", "blob-events", "ingest-requests"]
  queue_settings = {
    # = matter-pipeline.<consumer>.consumer.max-deliveries (set below on every consumer from this number): on the
    # last delivery a failing handler publishes the failure before the message is dead-lettered.
    max_delivery_count = 10
    # = matter-pipeline.bus.servicebus.duplicate-detection-window: every message carries a deterministic MessageId.
    duplicate_detection_window = "PT10M"
  }

  container          = "matter-pipeline"
  releases_container = "releases"
  inbox              = "inbox"
  http_port          = 8080
  health_path        = "/actuator/health/readiness"

  # Drain on stop: a consumer lets in-flight deliveries finish for consumer.shutdown-grace (30 s by default), then
  # the JVM exits. systemd waits longer than that before it kills; Azure waits longer still for the Scheduled Event
  # acknowledgement that the drain hook sends once the service has stopped.
  shutdown_grace_seconds   = 30
  stop_timeout_seconds     = 90
  termination_notice       = "PT5M"
  consumer_property_prefix = { "ingest-service" = ["INGEST_TRIGGER", "INGEST_REQUESTS"], "page-splitter" = ["SPLITTER"], "llm-worker" = ["WORKER"], "aggregator" = ["AGGREGATOR"] }

  # Who sends to and receives from which queue (least privilege: Data Sender / Data Receiver on exactly these).
  # The aggregator receives on documents and pages only to peek their dead-letter queues (its dead-letter sweep).
  services = {
    "ingest-service" = { sends = ["documents", "results", "matters-completed"], receives = ["blob-events", "ingest-requests"], gpu = false }
    "page-splitter"  = { sends = ["pages", "results"], receives = ["documents"], gpu = false }
    "llm-worker"     = { sends = ["results"], receives = ["pages"], gpu = true }
    "aggregator"     = { sends = ["results", "matters-completed"], receives = ["results", "documents", "pages"], gpu = false }
  }

  queue_roles = merge([
    for service, s in local.services : merge(
      { for q in s.sends : "${service}/send/${q}" => { service = service, queue = q, role = "Azure Service Bus Data Sender" } },
      { for q in s.receives : "${service}/receive/${q}" => { service = service, queue = q, role = "Azure Service Bus Data Receiver" } }
    )
  ]...)

  model_port = var.model_server == "ollama" ? 11434 : 8000

  # Environment of each service: exactly the settings it needs, no key (managed identity everywhere; the
  # Application Insights connection string only names the resource, which accepts Entra-authenticated telemetry only).
  common_env = {
    SERVER_PORT                                                = tostring(local.http_port)
    MATTER_PIPELINE_BUS_TYPE                                   = "servicebus"
    MATTER_PIPELINE_BUS_SERVICEBUS_FULLY_QUALIFIED_NAMESPACE   = "${azurerm_servicebus_namespace.main.name}.servicebus.windows.net"
    MATTER_PIPELINE_BUS_SERVICEBUS_LOCK_DURATION               = var.queue_lock_duration
    MATTER_PIPELINE_BUS_SERVICEBUS_DUPLICATE_DETECTION_WINDOW  = local.queue_settings.duplicate_detection_window
    MATTER_PIPELINE_BLOB_TYPE                                  = "azure"
    MATTER_PIPELINE_BLOB_AZURE_ACCOUNT_URL                     = azurerm_storage_account.main.primary_blob_endpoint
    MATTER_PIPELINE_BLOB_AZURE_CONTAINER                       = local.container
    APPLICATIONINSIGHTS_CONNECTION_STRING                      = azurerm_application_insights.main.connection_string
  }

  service_env = {
    for service, s in local.services : service => merge(
      local.common_env,
      {
        AZURE_CLIENT_ID                          = azurerm_user_assigned_identity.service[service].client_id
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING = "Authorization=AAD;ClientId=${azurerm_user_assigned_identity.service[service].client_id}"
      },
      { for c in local.consumer_property_prefix[service] : "MATTER_PIPELINE_${c}_CONSUMER_MAX_DELIVERIES" => tostring(local.queue_settings.max_delivery_count) },
      lookup(local.service_specific_env, service, {})
    )
  }

  service_specific_env = {
    "ingest-service" = merge(
      {
        MATTER_PIPELINE_INGEST_TRIGGER_ENABLED         = "true"
        MATTER_PIPELINE_INGEST_TRIGGER_WEBHOOK_ENABLED = "false"
      },
      var.entra_issuer == "" ? {} : {
        MATTER_PIPELINE_INGEST_AUTH_ENTRA_ISSUER   = var.entra_issuer
        MATTER_PIPELINE_INGEST_AUTH_ENTRA_AUDIENCE = var.entra_audience
      }
    )
    "llm-worker" = {
      MATTER_PIPELINE_WORKER_ENDPOINTS_0_URL   = "http://127.0.0.1:${local.model_port}"
      MATTER_PIPELINE_WORKER_ENDPOINTS_0_SLOTS = tostring(var.model_slots_per_instance)
      MATTER_PIPELINE_WORKER_ENDPOINTS_0_API   = var.model_server == "ollama" ? "ollama" : "openai"
      MATTER_PIPELINE_WORKER_MODEL_NAME        = var.model_name
      MATTER_PIPELINE_WORKER_CONCURRENCY       = tostring(var.model_slots_per_instance)
    }
  }

  tags = merge({ application = "matter-pipeline" }, var.tags)
}
