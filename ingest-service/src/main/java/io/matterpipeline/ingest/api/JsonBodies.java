package io.matterpipeline.ingest.api;

import io.matterpipeline.error.BadInputException;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads small JSON request bodies strictly: at most {@code maxBytes} (past it: 413 before the rest is read), a JSON
 * content type (else 415), no unknown fields ({@code unknown-field}: a misspelt {@code "scope"} must not silently issue
 * a token without scopes), no trailing content, and any other shape error as {@code malformed-body} naming the field.
 * Details never echo Java class names.
 */
final class JsonBodies {

    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private final long maxBytes;

    JsonBodies(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The body as {@code type}; empty when there is no body at all. */
    <T> Mono<T> read(ServerRequest request, Class<T> type) {
        Optional<MediaType> contentType = request.headers().contentType();
        if (contentType.isPresent() && !isJson(contentType.get())) {
            return Mono.error(new UnsupportedMediaTypeStatusException(contentType.get(),
                    List.of(MediaType.APPLICATION_JSON)));
        }
        return DataBufferUtils.join(request.bodyToFlux(DataBuffer.class), (int) Math.min(maxBytes, Integer.MAX_VALUE))
                .flatMap(buffer -> {
                    try {
                        if (buffer.readableByteCount() == 0) {
                            return Mono.empty();
                        }
                        if (contentType.isEmpty()) {
                            return Mono.error(new UnsupportedMediaTypeStatusException((MediaType) null,
                                    List.of(MediaType.APPLICATION_JSON)));
                        }
                        byte[] bytes = new byte[buffer.readableByteCount()];
                        buffer.read(bytes);
                        return Mono.just(decode(bytes, type));
                    } finally {
                        DataBufferUtils.release(buffer);
                    }
                });
    }

    static <T> T decode(byte[] bytes, Class<T> type) {
        try {
            T value = STRICT.readValue(bytes, type);
            if (value == null) {
                throw new BadInputException("malformed-body", "The request body must be a JSON object");
            }
            return value;
        } catch (UnrecognizedPropertyException unknown) {
            throw new BadInputException("unknown-field", "Unknown field '" + printable(unknown.getPropertyName())
                    + "'; allowed: " + unknown.getKnownPropertyIds().stream().map(String::valueOf).sorted()
                    .collect(Collectors.joining(", ")));
        } catch (JacksonException malformed) {
            String field = malformed.getPath().stream()
                    .map(reference -> reference.getPropertyName() != null ? reference.getPropertyName()
                            : "[" + reference.getIndex() + "]")
                    .collect(Collectors.joining("."));
            throw new BadInputException("malformed-body", "The request body is not well-formed JSON of the expected "
                    + "shape" + (field.isEmpty() ? "" : " (at '" + printable(field) + "')"));
        }
    }

    private static boolean isJson(MediaType type) {
        return MediaType.APPLICATION_JSON.isCompatibleWith(type)
                || (type.getSubtype() != null && type.getSubtype().endsWith("+json"));
    }

    private static String printable(String text) {
        String shown = text.length() > 64 ? text.substring(0, 64) + "..." : text;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }
}
