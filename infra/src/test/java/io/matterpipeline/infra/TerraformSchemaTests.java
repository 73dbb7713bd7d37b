package io.matterpipeline.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Every Terraform file parses (HashiCorp's HCL parser) and every resource's arguments and nested blocks exist in the
 * azurerm 4.73.0 provider schema, with every required one present.
 */
class TerraformSchemaTests {

    @TempDir
    Path planted;

    @Test
    void everyTerraformFileParses() {
        List<Path> files = Terraform.files();
        assertThat(files).extracting(path -> path.getFileName().toString())
                .contains("versions.tf", "messaging.tf", "storage.tf", "compute.tf", "autoscale.tf", "identity.tf",
                        "monitoring.tf", "outputs.tf");
        JsonNode result = InfraTools.get().parseHcl(files);
        assertThat(result.path("errors").isEmpty()).as("parse errors: %s", result.path("errors")).isTrue();
        assertThat(result.path("files").size()).isEqualTo(files.size());
    }

    @Test
    void aSyntaxErrorIsReportedWithFileAndLine() throws IOException {
        Path broken = Files.writeString(planted.resolve("broken.tf"),
                "resource \"azurerm_resource_group\" \"x\" {\n  name     = \"x\"\n  location = \n}\n");
        JsonNode result = InfraTools.get().parseHcl(List.of(broken));
        assertThat(result.path("errors").size()).isEqualTo(1);
        assertThat(result.path("errors").get(0).path("message").asString()).contains("broken.tf:3");
    }

    @Test
    void theSchemaIsAzurerm4() {
        JsonNode schema = InfraTools.get().azurermSchema();
        assertThat(schema.path("version").asString()).isEqualTo("4.73.0");
        assertThat(schema.path("resources").size()).isGreaterThan(1000);
    }

    @Test
    void everyResourceMatchesTheProviderSchema() {
        Map<String, JsonNode> files = Terraform.get().byFile();
        long resources = files.values().stream()
                .flatMap(file -> file.path("resource").properties().stream())
                .mapToLong(type -> type.getValue().size()).sum();
        assertThat(resources).as("resources checked").isGreaterThan(30);
        assertThat(new ProviderSchemaChecker(InfraTools.get().azurermSchema()).check(files)).isEmpty();
    }

    @Test
    void theCheckerCatchesUnknownAndMissingArgumentsAtEveryDepth() throws IOException {
        Path file = Files.writeString(planted.resolve("planted.tf"), """
                resource "azurerm_servicebus_queue" "q" {
                  name         = "pages"
                  lock_duraton = "PT1M"
                }
                resource "azurerm_linux_virtual_machine_scale_set" "s" {
                  name                = "s"
                  location            = "westeurope"
                  resource_group_name = "rg"
                  admin_username      = "ops"
                  os_disk {
                    caching = "ReadWrite"
                  }
                  network_interface {
                    name = "nic"
                    ip_configuration {
                      name     = "ip"
                      subnetid = "x"
                    }
                  }
                  dynamic "extension" {
                    for_each = ["a"]
                    content {
                      name = "health"
                    }
                  }
                }
                resource "azurerm_no_such_thing" "x" {
                  name = "x"
                }
                """);
        JsonNode parsed = InfraTools.get().parseHcl(List.of(file)).path("files").properties().iterator().next()
                .getValue();
        List<String> violations = new ProviderSchemaChecker(InfraTools.get().azurermSchema())
                .check(Map.of("planted.tf", parsed));
        assertThat(violations).containsExactlyInAnyOrder(
                "planted.tf: resource azurerm_servicebus_queue.q: unknown argument or block 'lock_duraton'",
                "planted.tf: resource azurerm_servicebus_queue.q: missing required argument 'namespace_id'",
                "planted.tf: resource azurerm_linux_virtual_machine_scale_set.s: missing required argument 'sku'",
                "planted.tf: resource azurerm_linux_virtual_machine_scale_set.s.os_disk: missing required argument "
                        + "'storage_account_type'",
                "planted.tf: resource azurerm_linux_virtual_machine_scale_set.s.network_interface.ip_configuration: "
                        + "unknown argument or block 'subnetid'",
                "planted.tf: resource azurerm_linux_virtual_machine_scale_set.s.extension: missing required argument "
                        + "'publisher'",
                "planted.tf: resource azurerm_linux_virtual_machine_scale_set.s.extension: missing required argument "
                        + "'type'",
                "planted.tf: resource azurerm_linux_virtual_machine_scale_set.s.extension: missing required argument "
                        + "'type_handler_version'",
                "planted.tf: resource type azurerm_no_such_thing does not exist in azurerm");
    }
}
