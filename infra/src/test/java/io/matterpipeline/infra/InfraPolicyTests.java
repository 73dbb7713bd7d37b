package io.matterpipeline.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Terraform configuration against what the code relies on: queues and their settings, the drain timeouts, one
 * zonal scale set and autoscale per service with the numbers of {@code infra/scaling.json}, least privilege, no
 * secret handed out, and environment variables that name real properties.
 */
class InfraPolicyTests {

    static final Set<String> SERVICES = Set.of("ingest-service", "page-splitter", "llm-worker", "aggregator");

    /**
     * Which queues each service consumes (the rest of the queues its code names, it publishes to): the
     * QueueConsumer of each service (page-splitter: documents, llm-worker: pages, aggregator: results), the ingest
     * trigger and upstream requests; the aggregator also peeks the dead letters of documents and pages (its
     * dead-letter sweep), for which Data Receiver is the least role.
     */
    static final Map<String, Set<String>> RECEIVES = Map.of(
            "ingest-service", Set.of("blob-events", "ingest-requests"),
            "page-splitter", Set.of("documents"),
            "llm-worker", Set.of("pages"),
            "aggregator", Set.of("results", "documents", "pages"));

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final Terraform terraform = Terraform.get();

    static Class<?> queues() {
        return CodeFacts.mainClass("Queues");
    }

    static String triggerQueue() {
        return (String) CodeFacts.defaultOf(CodeFacts.mainClass("BlobTriggerProperties"), "queue");
    }

    static String requestsQueue() {
        return (String) CodeFacts.defaultOf(CodeFacts.nested(CodeFacts.mainClass("IngestProperties"), "Requests"),
                "queue");
    }

    static JsonNode scaling() {
        return JSON.readTree(Terraform.infraDirectory().resolve("scaling.json").toFile());
    }

    @Test
    void theQueuesAreThoseTheCodeUses() {
        Set<String> fromCode = new TreeSet<>(CodeFacts.stringConstants(queues()));
        fromCode.add(triggerQueue());
        fromCode.add(requestsQueue());
        assertThat(strings(terraform.local("queues"))).containsExactlyInAnyOrderElementsOf(fromCode);
        assertThat(terraform.resource("azurerm_servicebus_queue", "queue").path("for_each").asString())
                .isEqualTo("${toset(local.queues)}");
    }

    @Test
    void everyQueueHasTheSettingsTheCodeReliesOn() {
        JsonNode settings = terraform.local("queue_settings");
        Object maxDeliveries = CodeFacts.defaultOf(CodeFacts.mainClass("ConsumerProperties"), "maxDeliveries");
        Object window = CodeFacts.defaultOf(CodeFacts.mainClass("ServiceBusProperties"), "duplicateDetectionWindow");
        assertThat(settings.path("max_delivery_count").asInt()).isEqualTo(maxDeliveries);
        assertThat(Duration.parse(settings.path("duplicate_detection_window").asString())).isEqualTo(window);

        JsonNode queue = terraform.resource("azurerm_servicebus_queue", "queue");
        assertThat(queue.path("max_delivery_count").asString())
                .isEqualTo("${local.queue_settings.max_delivery_count}");
        assertThat(queue.path("duplicate_detection_history_time_window").asString())
                .isEqualTo("${local.queue_settings.duplicate_detection_window}");
        assertThat(queue.path("requires_duplicate_detection").asBoolean()).isTrue();
        assertThat(queue.path("dead_lettering_on_message_expiration").asBoolean()).isTrue();
        assertThat(queue.path("requires_session").asBoolean()).isFalse();
        assertThat(queue.path("lock_duration").asString()).isEqualTo("${var.queue_lock_duration}");
        Duration lock = Duration.parse(terraform.variableDefault("queue_lock_duration").asString());
        assertThat(lock).isBetween(Duration.ofSeconds(30), Duration.ofMinutes(5));

        // The services are told the same numbers the queues get (max deliveries, lock, duplicate window).
        String locals = read("locals.tf");
        assertThat(locals).contains("\"MATTER_PIPELINE_${c}_CONSUMER_MAX_DELIVERIES\" => "
                + "tostring(local.queue_settings.max_delivery_count)");
        assertThat(locals).contains("MATTER_PIPELINE_BUS_SERVICEBUS_LOCK_DURATION               = var.queue_lock_duration");
        assertThat(locals).contains("MATTER_PIPELINE_BUS_SERVICEBUS_DUPLICATE_DETECTION_WINDOW  = "
                + "local.queue_settings.duplicate_detection_window");
        JsonNode consumers = terraform.local("consumer_property_prefix");
        assertThat(consumers.properties()).extracting(Map.Entry::getKey).containsExactlyInAnyOrderElementsOf(SERVICES);
    }

    @Test
    void theBlobTriggerDeliversInboxUploadsToTheTriggerQueue() {
        JsonNode subscription = terraform.resource("azurerm_eventgrid_system_topic_event_subscription", "inbox");
        assertThat(subscription.path("service_bus_queue_endpoint_id").asString())
                .isEqualTo("${azurerm_servicebus_queue.queue[\"" + triggerQueue() + "\"].id}");
        assertThat(strings(subscription.path("included_event_types"))).containsExactly("Microsoft.Storage.BlobCreated");
        assertThat(subscription.path("delivery_identity").get(0).path("type").asString()).isEqualTo("SystemAssigned");
        String inbox = (String) CodeFacts.defaultOf(CodeFacts.mainClass("BlobTriggerProperties"), "inbox");
        assertThat(terraform.local("inbox").asString()).isEqualTo(inbox);
        assertThat(subscription.path("subject_filter").get(0).path("subject_begins_with").asString())
                .isEqualTo("/blobServices/default/containers/${local.container}/blobs/${local.inbox}/");
        JsonNode sender = terraform.resource("azurerm_role_assignment", "eventgrid_sends_blob_events");
        assertThat(sender.path("scope").asString())
                .isEqualTo("${azurerm_servicebus_queue.queue[\"" + triggerQueue() + "\"].id}");
        assertThat(sender.path("role_definition_name").asString()).isEqualTo("Azure Service Bus Data Sender");
    }

    @Test
    void theDrainFitsInsideTheStopAndTerminationTimeouts() {
        Duration grace = (Duration) CodeFacts.defaultOf(CodeFacts.mainClass("ConsumerProperties"), "shutdownGrace");
        assertThat(terraform.local("shutdown_grace_seconds").asLong()).isEqualTo(grace.toSeconds());
        long stop = terraform.local("stop_timeout_seconds").asLong();
        assertThat(Duration.ofSeconds(stop)).isGreaterThanOrEqualTo(grace.plusSeconds(30));
        assertThat(Duration.parse(terraform.local("termination_notice").asString()))
                .isGreaterThan(Duration.ofSeconds(stop));
        String cloudInit = read("cloud-init/service.yaml.tftpl");
        assertThat(cloudInit).contains("TimeoutStopSec=${stop_timeout_seconds}", "KillSignal=SIGTERM");
        String drain = read("cloud-init/drain.sh");
        assertThat(drain).containsSubsequence("systemctl stop", "StartRequests");
    }

    @Test
    void theIoBoundServicesCompileWithC1OnlyOnTheirScaleSetsAndInKubernetes() {
        JsonNode options = terraform.variableDefault("jvm_options");
        assertThat(options.properties()).extracting(Map.Entry::getKey).containsExactlyInAnyOrderElementsOf(SERVICES);
        assertThat(options.path("llm-worker").asString()).isEqualTo("-XX:TieredStopAtLevel=1");
        assertThat(options.path("ingest-service").asString()).isEqualTo("-XX:TieredStopAtLevel=1");
        assertThat(options.path("page-splitter").asString()).isEmpty();
        assertThat(options.path("aggregator").asString()).isEmpty();
        assertThat(read("cloud-init/service.yaml.tftpl")).contains("${jvm_options} -jar /opt/matter-pipeline/");
        assertThat(read("compute.tf")).contains("jvm_options            = lookup(var.jvm_options, each.key, \"\")");
    }

    @Test
    void everyServiceHasAZonalScaleSetWithReadinessHealthRepairAndRollingUpgrades() {
        assertThat(terraform.local("services").properties()).extracting(Map.Entry::getKey)
                .containsExactlyInAnyOrderElementsOf(SERVICES);
        assertThat(terraform.local("health_path").asString()).isEqualTo("/actuator/health/readiness");
        Map<String, JsonNode> scaleSets = terraform.resources("azurerm_linux_virtual_machine_scale_set");
        assertThat(scaleSets).containsOnlyKeys("service");
        JsonNode vmss = scaleSets.get("service");
        assertThat(vmss.path("for_each").asString()).isEqualTo("${local.services}");
        assertThat(strings(vmss.path("zones"))).containsExactly("1", "2", "3");
        assertThat(vmss.path("upgrade_mode").asString()).isEqualTo("Rolling");
        assertThat(vmss.path("automatic_instance_repair").get(0).path("enabled").asBoolean()).isTrue();
        assertThat(vmss.path("termination_notification").get(0).path("enabled").asBoolean()).isTrue();
        assertThat(vmss.path("rolling_upgrade_policy").isEmpty()).isFalse();
        assertThat(vmss.path("identity").get(0).path("identity_ids").toString())
                .contains("azurerm_user_assigned_identity.service[each.key].id");
        JsonNode health = null;
        for (JsonNode extension : vmss.path("extension")) {
            if (extension.path("type").asString().equals("ApplicationHealthLinux")) {
                health = extension;
            }
        }
        assertThat(health).as("Application Health extension").isNotNull();
        assertThat(health.path("settings").asString()).contains("requestPath       = local.health_path");
        JsonNode gateway = terraform.resource("azurerm_application_gateway", "ingest");
        assertThat(gateway.path("probe").get(0).path("path").asString()).isEqualTo("${local.health_path}");
        assertThat(gateway.path("http_listener").toString()).contains("\"protocol\":\"Https\"");
        assertThat(strings(gateway.path("zones"))).containsExactly("1", "2", "3");
    }

    @Test
    void everyServiceAutoscalesOnItsOwnQueuesWithTheNumbersOfTheScalingFile() {
        assertThat(terraform.local("scaling").asString())
                .isEqualTo("${jsondecode(file(\"${path.module}/../scaling.json\"))}");
        JsonNode scaling = scaling();
        assertThat(scaling.path("services").properties()).extracting(Map.Entry::getKey)
                .containsExactlyInAnyOrderElementsOf(SERVICES);
        JsonNode services = terraform.local("services");
        for (var service : scaling.path("services").properties()) {
            JsonNode rules = service.getValue();
            assertThat(strings(rules.path("queues"))).as(service.getKey()).isNotEmpty()
                    .isSubsetOf(strings(services.path(service.getKey()).path("receives")))
                    .isSubsetOf(RECEIVES.get(service.getKey()));
            assertThat(rules.path("minInstances").asInt()).isNotNegative()
                    .isLessThanOrEqualTo(rules.path("defaultInstances").asInt());
            assertThat(rules.path("defaultInstances").asInt()).isLessThanOrEqualTo(rules.path("maxInstances").asInt());
            assertThat(rules.path("scaleInBelowMessagesPerInstance").asInt())
                    .isLessThan(rules.path("scaleOutAboveMessagesPerInstance").asInt());
            assertThat(Duration.parse(rules.path("scaleOutCooldown").asString())).isPositive();
            assertThat(Duration.parse(rules.path("scaleInCooldown").asString())).isPositive();
        }
        JsonNode autoscale = terraform.resource("azurerm_monitor_autoscale_setting", "service");
        assertThat(autoscale.path("for_each").asString()).isEqualTo("${local.services}");
        assertThat(autoscale.path("target_resource_id").asString())
                .isEqualTo("${azurerm_linux_virtual_machine_scale_set.service[each.key].id}");
        JsonNode profile = autoscale.path("profile").get(0);
        JsonNode capacity = profile.path("capacity").get(0);
        assertThat(capacity.path("minimum").asString()).isEqualTo("${local.scaling.services[each.key].minInstances}");
        assertThat(capacity.path("maximum").asString()).isEqualTo("${local.scaling.services[each.key].maxInstances}");
        JsonNode rule = profile.path("dynamic").path("rule").get(0);
        String generator = rule.path("for_each").asString();
        assertThat(generator).contains("for queue in local.scaling.services[each.key].queues",
                "threshold = local.scaling.services[each.key].scaleOutAboveMessagesPerInstance",
                "threshold = local.scaling.services[each.key].scaleInBelowMessagesPerInstance",
                "value = local.scaling.services[each.key].scaleOutBy",
                "value = local.scaling.services[each.key].scaleInBy",
                "cooldown = local.scaling.services[each.key].scaleOutCooldown",
                "cooldown = local.scaling.services[each.key].scaleInCooldown");
        JsonNode trigger = rule.path("content").get(0).path("metric_trigger").get(0);
        assertThat(trigger.path("metric_name").asString()).isEqualTo("ActiveMessages");
        assertThat(trigger.path("metric_namespace").asString()).isEqualTo("Microsoft.ServiceBus/namespaces");
        assertThat(trigger.path("metric_resource_id").asString()).isEqualTo("${azurerm_servicebus_namespace.main.id}");
        assertThat(trigger.path("divide_by_instance_count").asBoolean()).isTrue();
        JsonNode dimension = trigger.path("dimensions").get(0);
        assertThat(dimension.path("name").asString()).isEqualTo("EntityName");
        assertThat(dimension.path("operator").asString()).isEqualTo("Equals");
        assertThat(dimension.path("values").toString()).isEqualTo("[\"${rule.value.queue}\"]");
        assertThat(trigger.path("threshold").asString()).isEqualTo("${rule.value.threshold}");
    }

    @Test
    void identitiesHoldOnlyWhatTheirServiceNeeds() {
        Class<?> queues = queues();
        JsonNode services = terraform.local("services");
        for (String service : SERVICES) {
            Set<String> sends = strings(services.path(service).path("sends"));
            Set<String> receives = strings(services.path(service).path("receives"));
            assertThat(receives).as(service + " receives").isEqualTo(RECEIVES.get(service));
            // What the service's code names, plus the ingest queues only the ingest-service consumes.
            Set<String> used = new LinkedHashSet<>(CodeFacts.queuesReferencedBy(service, queues));
            if (service.equals("ingest-service")) {
                used.add(triggerQueue());
                used.add(requestsQueue());
            }
            Set<String> granted = new TreeSet<>(sends);
            granted.addAll(receives);
            assertThat(granted).as(service + ": queues with a role = queues its code uses")
                    .containsExactlyInAnyOrderElementsOf(used);
            assertThat(sends).as(service + " sends").doesNotContainAnyElementsOf(Set.of(triggerQueue(),
                    requestsQueue()));
        }
        assertThat(read("locals.tf")).contains(
                "{ for q in s.sends : \"${service}/send/${q}\" => { service = service, queue = q, role = \"Azure Service Bus Data Sender\" } }",
                "{ for q in s.receives : \"${service}/receive/${q}\" => { service = service, queue = q, role = \"Azure Service Bus Data Receiver\" } }");

        List<String> violations = new ArrayList<>();
        // The queue roles come from local.queue_roles: check each role it can hand out.
        Set<String> queueRoles = new TreeSet<>();
        Matcher named = Pattern.compile("role = \"([^\"]+)\"").matcher(terraform.local("queue_roles").asString());
        while (named.find()) {
            queueRoles.add(named.group(1));
        }
        assertThat(queueRoles).containsExactly("Azure Service Bus Data Receiver", "Azure Service Bus Data Sender");
        terraform.resources("azurerm_role_assignment").forEach((name, assignment) -> {
            String declared = assignment.path("role_definition_name").asString(null);
            for (String role : "${each.value.role}".equals(declared) ? queueRoles : Collections.singleton(declared)) {
                checkRole(name, assignment, role, violations);
            }
        });
        assertThat(violations).isEmpty();
        assertThat(terraform.resource("azurerm_role_assignment", "releases_container").path("role_definition_name")
                .asString()).isEqualTo("Storage Blob Data Reader");
    }

    private static void checkRole(String name, JsonNode assignment, String role, List<String> violations) {
        Set<String> allowedForServices = Set.of("Azure Service Bus Data Sender", "Azure Service Bus Data Receiver",
                "Storage Blob Data Contributor", "Storage Blob Data Reader", "Monitoring Metrics Publisher",
                "Key Vault Secrets User");
        String scope = assignment.path("scope").asString("");
        String principal = assignment.path("principal_id").asString("");
        if (role == null) {
            violations.add(name + ": role by id, not by name");
            return;
        }
        if (role.equals("Azure Service Bus Data Owner")) {
            // Only identities no service runs as, created on request, and never wider than needed.
            boolean operator = name.equals("operator_bus")
                    && assignment.path("count").asString().equals("${var.create_operator_identity ? 1 : 0}");
            boolean keda = name.equals("keda_reads_queues") && scope.startsWith("${azurerm_servicebus_queue.queue[");
            if (!operator && !keda) {
                violations.add(name + ": " + role + " on " + scope);
            }
        } else if (!allowedForServices.contains(role)) {
            violations.add(name + ": " + role + " is not a data-plane role a service needs");
        } else if (role.startsWith("Azure Service Bus") && !scope.startsWith("${azurerm_servicebus_queue.queue[")) {
            violations.add(name + ": " + role + " wider than one queue: " + scope);
        } else if (role.startsWith("Storage Blob") && !scope.startsWith("${azurerm_storage_container.")) {
            violations.add(name + ": " + role + " wider than one container: " + scope);
        }
        if (principal.contains("azurerm_user_assigned_identity.service") && role.contains("Owner")) {
            violations.add(name + ": a service identity with " + role);
        }
    }

    @Test
    void theIdentityCheckCatchesAnOwnerAndARoleWiderThanAQueue() {
        List<String> violations = new ArrayList<>();
        checkRole("owner", JSON.readTree("{\"scope\": \"${azurerm_resource_group.main.id}\", "
                + "\"principal_id\": \"${azurerm_user_assigned_identity.service[each.key].principal_id}\"}"),
                "Owner", violations);
        checkRole("wide", JSON.readTree("{\"scope\": \"${azurerm_servicebus_namespace.main.id}\"}"),
                "Azure Service Bus Data Sender", violations);
        checkRole("data_owner", JSON.readTree("{\"scope\": \"${azurerm_servicebus_namespace.main.id}\"}"),
                "Azure Service Bus Data Owner", violations);
        assertThat(violations).anyMatch(v -> v.startsWith("owner: Owner"))
                .anyMatch(v -> v.startsWith("owner: a service identity with Owner"))
                .anyMatch(v -> v.startsWith("wide: Azure Service Bus Data Sender wider than one queue"))
                .anyMatch(v -> v.startsWith("data_owner: Azure Service Bus Data Owner on"));
    }

    @Test
    void noKeyIsEnabledOrHandedOut() {
        assertThat(terraform.resource("azurerm_servicebus_namespace", "main").path("local_auth_enabled").asBoolean(true))
                .isFalse();
        assertThat(terraform.resource("azurerm_storage_account", "main").path("shared_access_key_enabled")
                .asBoolean(true)).isFalse();
        // The connection string only names the resource: ingestion needs an Entra token.
        assertThat(terraform.resource("azurerm_application_insights", "main").path("local_authentication_disabled")
                .asBoolean()).isTrue();

        List<String> leaks = new ArrayList<>();
        terraform.outputs().forEach((name, value) -> secretReferences(inlineLocals(value))
                .forEach(reference -> leaks.add("output " + name + ": " + reference)));
        JsonNode vmss = terraform.resource("azurerm_linux_virtual_machine_scale_set", "service");
        secretReferences(inlineLocals(vmss.path("custom_data").asString() + vmss.path("extension").toString()))
                .forEach(reference -> leaks.add("scale set settings: " + reference));
        assertThat(leaks).isEmpty();
        assertThat(read("cloud-init/service.yaml.tftpl") + read("cloud-init/deploy.sh"))
                .doesNotContainIgnoringCase("AccountKey").doesNotContainIgnoringCase("SharedAccessKey");
    }

    @Test
    void theCheckForSecretsFindsAKeyInAnOutput() {
        assertThat(secretReferences("${azurerm_storage_account.main.primary_access_key}")).hasSize(1);
        assertThat(secretReferences("${azurerm_servicebus_namespace.main.default_primary_connection_string}"))
                .hasSize(1);
        assertThat(secretReferences("${azurerm_application_insights.main.connection_string}")).isEmpty();
    }

    @Test
    void everyEnvironmentVariableSetsAPropertyAServiceReads() {
        Set<String> names = new TreeSet<>();
        Matcher assignment = Pattern.compile("(?m)^\\s*([A-Z][A-Z0-9_]+)\\s*=").matcher(read("locals.tf"));
        while (assignment.find()) {
            names.add(assignment.group(1));
        }
        terraform.local("consumer_property_prefix").properties().forEach(service -> service.getValue()
                .forEach(prefix -> names.add("MATTER_PIPELINE_" + prefix.asString() + "_CONSUMER_MAX_DELIVERIES")));
        assertThat(names).contains("MATTER_PIPELINE_BUS_TYPE", "MATTER_PIPELINE_WORKER_ENDPOINTS_0_URL",
                "MATTER_PIPELINE_AGGREGATOR_CONSUMER_MAX_DELIVERIES", "AZURE_CLIENT_ID");
        Map<String, JsonNode> properties = CodeFacts.properties();
        assertThat(EnvironmentNames.unknown(names, properties)).isEmpty();
        // The check itself: a misspelt name is caught.
        assertThat(EnvironmentNames.unknown(List.of("MATTER_PIPELINE_BUS_TYPO", "MATTER_PIPELINE_WORKER_ENDPOINTS_0_URI"),
                properties)).hasSize(2);
    }

    /** Attribute references that carry a credential. */
    static List<String> secretReferences(String text) {
        Matcher reference = Pattern.compile("[a-z_]+\\.[a-z0-9_]+(?:\\[[^\\]]*\\])?\\.([a-z0-9_]+)").matcher(text);
        List<String> found = new ArrayList<>();
        while (reference.find()) {
            String attribute = reference.group(1);
            if (attribute.matches(".*(key|password|secret|sas|token|connection_string).*")
                    && !reference.group().startsWith("azurerm_application_insights.main.connection_string")
                    && !attribute.equals("key_vault_secret_id")) {
                found.add(reference.group());
            }
        }
        return found;
    }

    /** The text with every {@code local.x} it references replaced by the local's value, transitively. */
    private String inlineLocals(String text) {
        StringBuilder result = new StringBuilder(text);
        Set<String> seen = new LinkedHashSet<>();
        Pattern local = Pattern.compile("local\\.([a-z_]+)");
        for (int round = 0; round < 10; round++) {
            Matcher matcher = local.matcher(result.toString());
            List<String> names = new ArrayList<>();
            while (matcher.find()) {
                if (seen.add(matcher.group(1))) {
                    names.add(matcher.group(1));
                }
            }
            if (names.isEmpty()) {
                break;
            }
            for (String name : names) {
                result.append('\n').append(terraform.local(name).toString());
            }
        }
        return result.toString();
    }

    static Set<String> strings(JsonNode array) {
        Set<String> values = new LinkedHashSet<>();
        array.forEach(value -> values.add(value.asString()));
        return values;
    }

    static String read(String relative) {
        try {
            return Files.readString(Terraform.directory().resolve(relative));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
