variable "subscription_id" {
  description = "Azure subscription to deploy into."
  type        = string
}

variable "location" {
  description = "Azure region; needs three availability zones (for example westeurope, northeurope, eastus2)."
  type        = string
  default     = "westeurope"
}

variable "prefix" {
  description = "Prefix of every resource name (lower-case letters and digits, 3-16 characters; Service Bus and storage names are global)."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9]{2,15}$", var.prefix))
    error_message = "prefix: 3-16 lower-case letters and digits, starting with a letter."
  }
}

variable "release" {
  description = "Folder in the releases container that holds the service jars to run (<release>/<service>.jar); changing it rolls every scale set."
  type        = string
}

variable "servicebus_sku" {
  description = "Standard, or Premium (zone-redundant, isolated throughput)."
  type        = string
  default     = "Standard"
  validation {
    condition     = contains(["Standard", "Premium"], var.servicebus_sku)
    error_message = "servicebus_sku: Standard or Premium."
  }
}

variable "servicebus_premium_capacity" {
  description = "Messaging units of a Premium namespace."
  type        = number
  default     = 1
}

variable "queue_lock_duration" {
  description = "Peek-lock duration of every queue (ISO 8601, at most PT5M); the consumers renew locks every half lock duration while a handler runs."
  type        = string
  default     = "PT1M"
}

variable "queue_message_ttl" {
  description = "Default time to live of a message (ISO 8601); expired messages are dead-lettered."
  type        = string
  default     = "P14D"
}

variable "result_retention_days" {
  description = "Days deleted or overwritten blobs stay recoverable (soft delete and previous versions)."
  type        = number
  default     = 14
}

variable "inbox_retention_days" {
  description = "Days after which inbox/ blobs (copied into the Matter on arrival) are deleted."
  type        = number
  default     = 30
}

variable "vnet_address_space" {
  description = "Address space of the virtual network: /24 for the Application Gateway, /20 for the services."
  type        = string
  default     = "10.42.0.0/16"
}

variable "vm_sizes" {
  description = "VM size per service. The llm-worker default is a one-GPU size (NVIDIA T4, 16 GB) that runs an 8B model quantised to 4 bits; use an A10 or A100 size for 70B models."
  type        = map(string)
  default = {
    "ingest-service" = "Standard_D2as_v5"
    "page-splitter"  = "Standard_D4as_v5"
    "llm-worker"     = "Standard_NC8as_T4_v3"
    "aggregator"     = "Standard_D2as_v5"
  }
}

variable "jvm_options" {
  description = "Extra JVM options per service. ingest-service and llm-worker compile with C1 only: their work per page is I/O (HTTP, blob, bus), and on a 2-core VM the C2 compiler, which kept recompiling as a Matter moved through its phases, cost more CPU than its code saved (BENCHMARKS.md, CPU per page). page-splitter (PDF parsing) and aggregator (merging) keep the default tiered compilation."
  type        = map(string)
  default = {
    "ingest-service" = "-XX:TieredStopAtLevel=1"
    "page-splitter"  = ""
    "llm-worker"     = "-XX:TieredStopAtLevel=1"
    "aggregator"     = ""
  }
}

variable "image" {
  description = "Marketplace image of every scale set (Ubuntu 22.04 LTS); ignored for a service listed in custom_image_ids."
  type        = object({ publisher = string, offer = string, sku = string, version = string })
  default = {
    publisher = "Canonical"
    offer     = "0001-com-ubuntu-server-jammy"
    sku       = "22_04-lts-gen2"
    version   = "latest"
  }
}

variable "custom_image_ids" {
  description = "Compute Gallery image per service (optional), for example an llm-worker image with the GPU driver, Ollama and the model already on disk, which cuts scale-out from minutes to seconds."
  type        = map(string)
  default     = {}
}

variable "admin_ssh_public_key" {
  description = "SSH public key of the admin user (password login is off); reach instances through Azure Bastion or the serial console."
  type        = string
}

variable "model_server" {
  description = "Model server each llm-worker instance runs beside the worker: ollama or vllm."
  type        = string
  default     = "ollama"
  validation {
    condition     = contains(["ollama", "vllm"], var.model_server)
    error_message = "model_server: ollama or vllm."
  }
}

variable "model_name" {
  description = "Model the workers ask for (an Ollama tag, or a Hugging Face id for vLLM)."
  type        = string
  default     = "llama3.1:8b"
}

variable "model_server_versions" {
  description = "Pinned release of each model server installed on the GPU instances (Ollama release, vLLM pip version)."
  type        = map(string)
  default = {
    ollama = "0.12.3"
    vllm   = "0.10.2"
  }
}

variable "model_slots_per_instance" {
  description = "The one number that sizes a GPU instance: requests its model server runs at once (OLLAMA_NUM_PARALLEL / vLLM --max-num-seqs), which is also the worker's endpoint slots and concurrency."
  type        = number
  default     = 4
}

variable "tls_key_vault_id" {
  description = "Resource id of the Key Vault (RBAC mode) holding the ingest TLS certificate."
  type        = string
}

variable "tls_certificate_name" {
  description = "Name of the certificate in that Key Vault, served by the Application Gateway for ingest_host_name."
  type        = string
}

variable "ingest_host_name" {
  description = "Public host name of the HTTP API (its DNS record points at the public_ip output)."
  type        = string
}

variable "entra_issuer" {
  description = "Microsoft Entra issuer accepted by the HTTP API (https://login.microsoftonline.com/<tenant>/v2.0); empty: only mpt. tokens."
  type        = string
  default     = ""
}

variable "entra_audience" {
  description = "Audience (application id URI) of the HTTP API's Entra tokens."
  type        = string
  default     = ""
}

variable "alert_email" {
  description = "Where alerts are mailed."
  type        = string
}

variable "create_operator_identity" {
  description = "Whether to create the operator identity (Service Bus Data Owner on the namespace) for dead-letter replay; no service runs as it."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Log Analytics retention."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default     = {}
}

variable "aks_oidc_issuer_url" {
  description = "OIDC issuer of an AKS cluster running infra/kubernetes instead of (or beside) the scale sets; set, each service identity trusts its service account there and KEDA gets its own identity."
  type        = string
  default     = ""
}
