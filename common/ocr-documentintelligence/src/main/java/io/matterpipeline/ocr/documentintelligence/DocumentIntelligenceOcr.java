package io.matterpipeline.ocr.documentintelligence;

import com.azure.ai.documentintelligence.DocumentIntelligenceAsyncClient;
import com.azure.ai.documentintelligence.DocumentIntelligenceClientBuilder;
import com.azure.ai.documentintelligence.DocumentIntelligenceServiceVersion;
import com.azure.core.credential.AzureKeyCredential;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.AddHeadersPolicy;
import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.http.rest.RequestOptions;
import com.azure.core.util.BinaryData;
import com.azure.core.util.polling.AsyncPollResponse;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.identity.DefaultAzureCredentialBuilder;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.ocr.OcrService;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.SortedSet;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * {@link OcrService} on Azure AI Document Intelligence: one {@code prebuilt-read} analyze operation per document,
 * asking only for the pages that need it ({@code pages=1-3,7}), polled every {@code poll-interval} until it ends,
 * within {@code timeout} in all. The answer is the service's operation body as it came (status and analyzeResult):
 * the splitter checks and splits it as uploaded analyzeResult JSON.
 *
 * <p>Failures are classified once, by {@link DocumentIntelligenceErrors}.
 */
final class DocumentIntelligenceOcr implements OcrService {

    /** The model that reads printed and handwritten text, with word confidences. */
    static final String MODEL = "prebuilt-read";

    private static final HttpHeaderName SUBSCRIPTION_KEY = HttpHeaderName.fromString("Ocp-Apim-Subscription-Key");

    private final DocumentIntelligenceAsyncClient client;
    private final DocumentIntelligenceErrors errors;
    private final Duration timeout;
    private final Duration pollInterval;

    DocumentIntelligenceOcr(DocumentIntelligenceAsyncClient client, DocumentIntelligenceErrors errors,
            Duration timeout, Duration pollInterval) {
        this.client = client;
        this.errors = errors;
        this.timeout = timeout;
        this.pollInterval = pollInterval;
    }

    static DocumentIntelligenceOcr create(DocumentIntelligenceProperties properties) {
        if (properties.endpoint() == null) {
            throw new IllegalArgumentException("matter-pipeline.splitter.ocr.endpoint is required for OCR");
        }
        DocumentIntelligenceClientBuilder builder = new DocumentIntelligenceClientBuilder()
                .endpoint(properties.endpoint().toString())
                .serviceVersion(DocumentIntelligenceServiceVersion.V2024_11_30)
                .httpClient(new JdkHttpClientBuilder().build())
                // A few quick retries of 429/5xx inside the time bound; beyond them the bus retries the document.
                .retryOptions(new RetryOptions(new ExponentialBackoffOptions().setMaxRetries(2)
                        .setBaseDelay(Duration.ofMillis(500)).setMaxDelay(Duration.ofSeconds(5))));
        if (properties.key() == null) {
            builder.credential(new DefaultAzureCredentialBuilder().build());
        } else if (properties.isLoopbackHttp()) {
            // The SDK sends a key only over HTTPS; on loopback (the testkit simulator) it goes in by hand.
            builder.addPolicy(new AddHeadersPolicy(new HttpHeaders().set(SUBSCRIPTION_KEY, properties.key())));
        } else {
            builder.credential(new AzureKeyCredential(properties.key()));
        }
        return new DocumentIntelligenceOcr(builder.buildAsyncClient(),
                new DocumentIntelligenceErrors(properties.endpoint(), properties.key() != null),
                properties.timeout(), properties.pollInterval());
    }

    @Override
    public Mono<byte[]> read(Path pdf, SortedSet<Integer> pages) {
        if (pages == null || pages.isEmpty()) {
            return Mono.error(new IllegalArgumentException("No pages to read"));
        }
        RequestOptions options = new RequestOptions().addQueryParam("pages", pageRanges(pages));
        return Mono.fromCallable(() -> analyzeRequest(pdf))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(request -> client.beginAnalyzeDocument(MODEL, request, options)
                        .setPollInterval(pollInterval)
                        .last())
                .flatMap(this::result)
                .timeout(timeout, Mono.error(() -> new TransientException(DocumentIntelligenceErrors.TIMEOUT,
                        "Document Intelligence did not finish reading " + pages.size() + " pages within " + timeout
                                + " (matter-pipeline.splitter.ocr.timeout)")))
                .onErrorMap(errors::classify)
                .checkpoint("OCR " + pages.size() + " pages");
    }

    private Mono<byte[]> result(AsyncPollResponse<BinaryData, BinaryData> last) {
        LongRunningOperationStatus status = last.getStatus();
        if (status == LongRunningOperationStatus.SUCCESSFULLY_COMPLETED && last.getValue() != null) {
            // The last poll's body is the operation: {status, createdDateTime, ..., analyzeResult}.
            return Mono.just(last.getValue().toBytes());
        }
        return Mono.error(errors.operationFailed(status, last.getValue()));
    }

    /** The request body, {@code {"base64Source": "..."}}, encoded straight from the file (blocking). */
    private static BinaryData analyzeRequest(Path pdf) throws IOException {
        long size = Files.size(pdf);
        ByteArrayOutputStream body = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 64,
                size / 3 * 4 + 64));
        body.write("{\"base64Source\":\"".getBytes(StandardCharsets.US_ASCII));
        // Closing the Base64 stream writes its last bytes; closing a ByteArrayOutputStream does nothing.
        try (OutputStream base64 = Base64.getEncoder().wrap(body)) {
            Files.copy(pdf, base64);
        }
        body.write("\"}".getBytes(StandardCharsets.US_ASCII));
        return BinaryData.fromBytes(body.toByteArray());
    }

    /** {@code 1-3,5,7-9}: the service's page-range syntax. */
    static String pageRanges(SortedSet<Integer> pages) {
        StringBuilder ranges = new StringBuilder();
        Integer start = null;
        Integer previous = null;
        for (int page : pages) {
            if (previous != null && page == previous + 1) {
                previous = page;
                continue;
            }
            appendRange(ranges, start, previous);
            start = page;
            previous = page;
        }
        appendRange(ranges, start, previous);
        return ranges.toString();
    }

    private static void appendRange(StringBuilder ranges, Integer start, Integer end) {
        if (start == null) {
            return;
        }
        if (ranges.length() > 0) {
            ranges.append(',');
        }
        ranges.append(start);
        if (!start.equals(end)) {
            ranges.append('-').append(end);
        }
    }
}
