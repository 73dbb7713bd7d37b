package io.matterpipeline.ocr.documentintelligence;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.util.BinaryData;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.identity.CredentialUnavailableException;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.ocr.OcrRefusedException;
import java.net.URI;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one place a Document Intelligence failure is classified: 429, 408 and 5xx answers, connection failures and
 * failures to get a token are transient (the bus retries the document later); a 401/403 is
 * {@link OcrRefusedException#UNAUTHORIZED} with what to check; any other 4xx, and an operation that ended
 * {@code failed} for a reason of the document, is {@link OcrRefusedException#REJECTED} with the service's code and
 * message.
 */
final class DocumentIntelligenceErrors {

    static final String UNAVAILABLE = "ocr-unavailable";
    static final String TIMEOUT = "ocr-timeout";

    /** Operation error codes that say the service, not the document, failed. */
    private static final Set<String> SERVICE_FAULTS = Set.of("InternalServerError", "ServiceUnavailable", "Timeout",
            "TooManyRequests");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final URI endpoint;
    private final boolean keyAuth;

    DocumentIntelligenceErrors(URI endpoint, boolean keyAuth) {
        this.endpoint = endpoint;
        this.keyAuth = keyAuth;
    }

    Throwable classify(Throwable failure) {
        if (failure instanceof PipelineException) {
            return failure;
        }
        if (failure instanceof CredentialUnavailableException) {
            return new OcrRefusedException(OcrRefusedException.UNAUTHORIZED, "No Azure credential is available to"
                    + " call Document Intelligence at " + endpoint + " (set matter-pipeline.splitter.ocr.key, or run"
                    + " with a managed identity): " + failure.getMessage(), failure);
        }
        if (failure instanceof HttpResponseException http && http.getResponse() != null) {
            int status = http.getResponse().getStatusCode();
            String detail = errorText(http.getValue());
            String answer = "HTTP " + status + (detail.isEmpty() ? ": " + http.getMessage() : detail);
            if (status == 401 || status == 403) {
                return new OcrRefusedException(OcrRefusedException.UNAUTHORIZED, "Document Intelligence at "
                        + endpoint + " refused the credentials (" + answer + "): "
                        + (keyAuth ? "check matter-pipeline.splitter.ocr.key (a key of this resource)"
                                : "give the splitter's managed identity the Cognitive Services User role on the"
                                        + " resource"), failure);
            }
            if (status == 408 || status == 429 || status >= 500) {
                return new TransientException(UNAVAILABLE, "Document Intelligence is unavailable (" + answer
                        + "); the document is retried later", failure);
            }
            return new OcrRefusedException(OcrRefusedException.REJECTED, "Document Intelligence rejected the"
                    + " document (" + answer + ")", failure);
        }
        // No answer at all: connection refused or reset, DNS, a token request that failed.
        return new TransientException(UNAVAILABLE, "Document Intelligence at " + endpoint + " cannot be reached: "
                + failure, failure);
    }

    /** The failure of an operation that ended other than {@code succeeded}, from its body's {@code error}. */
    PipelineException operationFailed(LongRunningOperationStatus status, BinaryData body) {
        JsonNode root = body == null ? null : read(body);
        String code = root == null ? "" : root.path("error").path("code").asString("");
        String text = "the analyze operation ended " + status + errorText(body);
        if (code.isEmpty() || SERVICE_FAULTS.contains(code)) {
            return new TransientException(UNAVAILABLE, "Document Intelligence failed: " + text);
        }
        return new OcrRefusedException(OcrRefusedException.REJECTED, "Document Intelligence could not read the"
                + " document: " + text, null);
    }

    /** {@code ": Code: message (inner code: message)"} of an error body, or nothing. */
    private static String errorText(Object body) {
        JsonNode root = body instanceof BinaryData data ? read(data)
                : body instanceof String text ? read(BinaryData.fromString(text))
                : body != null ? tree(body) : null;
        if (root == null) {
            return "";
        }
        JsonNode error = root.path("error");
        if (error.isMissingNode()) {
            return "";
        }
        StringBuilder text = new StringBuilder(": ").append(error.path("code").asString(""))
                .append(": ").append(error.path("message").asString(""));
        JsonNode inner = error.path("innererror");
        if (!inner.isMissingNode()) {
            text.append(" (").append(inner.path("code").asString("")).append(": ")
                    .append(inner.path("message").asString("")).append(')');
        }
        return text.toString();
    }

    private static JsonNode tree(Object value) {
        try {
            return JSON.valueToTree(value);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static JsonNode read(BinaryData body) {
        try {
            return JSON.readTree(body.toBytes());
        } catch (RuntimeException e) {
            return null;
        }
    }
}
