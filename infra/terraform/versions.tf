# matter-pipeline on Azure: the one source of the infrastructure (docs/deploy.md). Checked in the Maven build by
# infra/src/test (HCL syntax, every argument and block against the azurerm 4.73.0 schema, and policy tests).

terraform {
  required_version = ">= 1.6"
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.73"
    }
  }
}

provider "azurerm" {
  features {}
  subscription_id = var.subscription_id
  # The storage account has shared keys disabled: Terraform reaches its data plane with Entra ID too.
  storage_use_azuread = true
}

data "azurerm_client_config" "current" {}

resource "azurerm_resource_group" "main" {
  name     = "${var.prefix}-rg"
  location = var.location
  tags     = local.tags
}
