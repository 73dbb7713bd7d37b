package io.matterpipeline.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The manifests in {@code infra/kubernetes} validate against the Kubernetes and KEDA schemas, scale each service on
 * its own queues with the numbers of {@code infra/scaling.json}, run with workload identity, probe readiness and
 * liveness, and leave the drain its time.
 */
class KubernetesManifestTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String JVM_OPTIONS = "JAVA_TOOL_OPTIONS";
    private static List<JsonNode> manifests;

    @BeforeAll
    static void read() throws IOException {
        manifests = new ArrayList<>();
        try (Stream<Path> files = Files.list(Terraform.infraDirectory().resolve("kubernetes"))) {
            for (Path file : files.filter(path -> path.toString().endsWith(".yaml")).sorted().toList()) {
                try (Reader reader = Files.newBufferedReader(file)) {
                    for (Object document : new Yaml().loadAll(reader)) {
                        if (document != null) {
                            manifests.add(JSON.valueToTree(document));
                        }
                    }
                }
            }
        }
    }

    @Test
    void everyManifestValidatesAgainstTheKubernetesAndKedaSchemas() {
        ArrayNode all = JSON.createArrayNode();
        manifests.forEach(all::add);
        ObjectNode brokenDeployment = (ObjectNode) find("Deployment", "page-splitter").deepCopy();
        ((ObjectNode) brokenDeployment.path("spec")).put("replicas", "two");
        ObjectNode brokenScaledObject = (ObjectNode) find("ScaledObject", "page-splitter").deepCopy();
        ((ObjectNode) brokenScaledObject.path("spec")).remove("scaleTargetRef");
        all.add(brokenDeployment);
        all.add(brokenScaledObject);

        List<String> errors = new ArrayList<>();
        JsonNode results = InfraTools.get().validateKubernetes(all).path("results");
        assertThat(results.size()).isEqualTo(all.size());
        for (int i = 0; i < manifests.size(); i++) {
            JsonNode result = results.get(i);
            if (!result.path("error").isNull()) {
                errors.add(result.path("kind").asString() + " " + result.path("name").asString() + ": "
                        + result.path("error").asString());
            }
        }
        assertThat(errors).isEmpty();
        // The validator is not a rubber stamp: the two planted mistakes are caught.
        assertThat(results.get(manifests.size()).path("error").asString()).contains("replicas");
        assertThat(results.get(manifests.size() + 1).path("error").asString()).contains("scaleTargetRef");
        assertThat(manifests).extracting(m -> m.path("kind").asString())
                .contains("Deployment", "ScaledObject", "ServiceAccount", "TriggerAuthentication", "ConfigMap");
    }

    @Test
    void everyServiceScalesOnItsOwnQueuesWithTheNumbersOfTheScalingFile() {
        JsonNode scaling = InfraPolicyTests.scaling();
        for (String service : InfraPolicyTests.SERVICES) {
            JsonNode rules = scaling.path("services").path(service);
            JsonNode spec = find("ScaledObject", service).path("spec");
            assertThat(spec.path("scaleTargetRef").path("name").asString()).isEqualTo(service);
            assertThat(spec.path("minReplicaCount").asInt()).as(service).isEqualTo(rules.path("minInstances").asInt());
            assertThat(spec.path("maxReplicaCount").asInt()).as(service).isEqualTo(rules.path("maxInstances").asInt());
            Set<String> queues = new TreeSet<>();
            for (JsonNode trigger : spec.path("triggers")) {
                assertThat(trigger.path("type").asString()).isEqualTo("azure-servicebus");
                assertThat(trigger.path("metadata").path("messageCount").asString()).as(service)
                        .isEqualTo(rules.path("scaleOutAboveMessagesPerInstance").asString());
                assertThat(trigger.path("authenticationRef").path("name").asString())
                        .isEqualTo("servicebus-workload-identity");
                queues.add(trigger.path("metadata").path("queueName").asString());
            }
            assertThat(queues).as(service).containsExactlyInAnyOrderElementsOf(
                    InfraPolicyTests.strings(rules.path("queues")));
            JsonNode behavior = spec.path("advanced").path("horizontalPodAutoscalerConfig").path("behavior");
            JsonNode up = behavior.path("scaleUp").path("policies").get(0);
            JsonNode down = behavior.path("scaleDown");
            assertThat(up.path("value").asInt()).isEqualTo(rules.path("scaleOutBy").asInt());
            assertThat(up.path("periodSeconds").asLong())
                    .isEqualTo(Duration.parse(rules.path("scaleOutCooldown").asString()).toSeconds());
            assertThat(down.path("policies").get(0).path("value").asInt()).isEqualTo(rules.path("scaleInBy").asInt());
            assertThat(down.path("stabilizationWindowSeconds").asLong())
                    .isEqualTo(Duration.parse(rules.path("scaleInCooldown").asString()).toSeconds());
            assertThat(find("Deployment", service).path("spec").path("replicas").asInt())
                    .isEqualTo(rules.path("defaultInstances").asInt());
        }
        JsonNode auth = find("TriggerAuthentication", "servicebus-workload-identity");
        assertThat(auth.path("spec").path("podIdentity").path("provider").asString()).isEqualTo("azure-workload");
    }

    @Test
    void everyDeploymentRunsWithWorkloadIdentityProbesAndTimeToDrain() {
        Duration grace = (Duration) CodeFacts.defaultOf(CodeFacts.mainClass("ConsumerProperties"), "shutdownGrace");
        for (String service : InfraPolicyTests.SERVICES) {
            assertThat(find("ServiceAccount", service).path("metadata").path("annotations")
                    .path("azure.workload.identity/client-id").asString()).isNotBlank();
            JsonNode pod = find("Deployment", service).path("spec").path("template");
            assertThat(pod.path("metadata").path("labels").path("azure.workload.identity/use").asString())
                    .isEqualTo("true");
            assertThat(pod.path("spec").path("serviceAccountName").asString()).isEqualTo(service);
            assertThat(Duration.ofSeconds(pod.path("spec").path("terminationGracePeriodSeconds").asLong()))
                    .isGreaterThanOrEqualTo(grace.plusSeconds(30));
            JsonNode container = serviceContainer(pod, service);
            assertThat(container.path("readinessProbe").path("httpGet").path("path").asString())
                    .isEqualTo("/actuator/health/readiness");
            assertThat(container.path("livenessProbe").path("httpGet").path("path").asString())
                    .isEqualTo("/actuator/health/liveness");
            assertThat(container.path("ports").get(0).path("containerPort").asInt()).isEqualTo(8080);
        }
    }

    @Test
    void jvmOptionsMatchTheScaleSets() {
        JsonNode options = Terraform.get().variableDefault("jvm_options");
        for (String service : InfraPolicyTests.SERVICES) {
            String set = "";
            for (JsonNode variable : serviceContainer(find("Deployment", service).path("spec").path("template"),
                    service).path("env")) {
                if (variable.path("name").asString().equals(JVM_OPTIONS)) {
                    set = variable.path("value").asString();
                }
            }
            assertThat(set).as(service).isEqualTo(options.path(service).asString());
        }
    }

    @Test
    void everyEnvironmentVariableSetsAPropertyAServiceReads() {
        Set<String> names = new TreeSet<>();
        find("ConfigMap", "matter-pipeline").path("data").properties().forEach(e -> names.add(e.getKey()));
        for (String service : InfraPolicyTests.SERVICES) {
            serviceContainer(find("Deployment", service).path("spec").path("template"), service).path("env")
                    .forEach(variable -> names.add(variable.path("name").asString()));
        }
        // Read by the JVM itself, not by Spring: its options (jvmOptionsMatchTheScaleSets).
        names.remove(JVM_OPTIONS);
        assertThat(names).contains("MATTER_PIPELINE_BUS_TYPE", "MATTER_PIPELINE_WORKER_ENDPOINTS_0_SLOTS");
        assertThat(EnvironmentNames.unknown(names, CodeFacts.properties())).isEmpty();
        assertThat(find("ConfigMap", "matter-pipeline").toString()).doesNotContain("SharedAccessKey", "AccountKey");
    }

    private static JsonNode serviceContainer(JsonNode pod, String service) {
        for (JsonNode container : pod.path("spec").path("containers")) {
            if (container.path("name").asString().equals(service)) {
                return container;
            }
        }
        throw new AssertionError("no container " + service);
    }

    private static JsonNode find(String kind, String name) {
        return manifests.stream()
                .filter(m -> m.path("kind").asString().equals(kind)
                        && m.path("metadata").path("name").asString().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }
}
