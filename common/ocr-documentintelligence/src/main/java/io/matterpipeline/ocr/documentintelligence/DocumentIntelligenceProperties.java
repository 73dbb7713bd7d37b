package io.matterpipeline.ocr.documentintelligence;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of OCR through Azure AI Document Intelligence ({@code prebuilt-read}), prefix
 * {@code matter-pipeline.splitter.ocr}. OCR is on when {@code endpoint} is set; without a {@code key} the splitter
 * authenticates with {@code DefaultAzureCredential} (managed identity, workload identity, environment, Azure CLI),
 * whose identity needs the {@code Cognitive Services User} role on the resource.
 *
 * @param endpoint the resource's endpoint, such as {@code https://my-resource.cognitiveservices.azure.com}; HTTPS,
 *     except on loopback (the testkit simulator)
 * @param key a key of the resource ({@code Keys and Endpoint} in the Portal); empty to use managed identity
 * @param timeout the longest one document's OCR may take, submission and polling included; past it the document is
 *     retried later through the bus
 * @param pollInterval the pause between two polls of the analyze operation (the service's Retry-After wins when it
 *     sends one)
 */
@ConfigurationProperties("matter-pipeline.splitter.ocr")
public record DocumentIntelligenceProperties(
        URI endpoint,
        String key,
        @DefaultValue("5m") Duration timeout,
        @DefaultValue("1s") Duration pollInterval) {

    public DocumentIntelligenceProperties {
        key = key == null || key.isBlank() ? null : key.strip();
        if (endpoint != null && !"https".equals(endpoint.getScheme())
                && !("http".equals(endpoint.getScheme()) && isLoopback(endpoint.getHost()))) {
            throw new IllegalArgumentException("matter-pipeline.splitter.ocr.endpoint must be an https URL (plain"
                    + " http only on loopback): " + endpoint);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("matter-pipeline.splitter.ocr.timeout must be positive");
        }
        if (pollInterval == null || pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("matter-pipeline.splitter.ocr.poll-interval must be positive");
        }
    }

    /** True when the endpoint is plain HTTP on loopback (a simulator): the key then goes in a header by hand. */
    boolean isLoopbackHttp() {
        return "http".equals(endpoint.getScheme());
    }

    private static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        try {
            return "localhost".equalsIgnoreCase(host) || InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
