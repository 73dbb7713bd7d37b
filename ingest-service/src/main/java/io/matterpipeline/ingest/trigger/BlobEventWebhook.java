package io.matterpipeline.ingest.trigger;

import io.matterpipeline.bus.Settlement;
import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.TooLargeException;
import io.matterpipeline.error.TransientException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.MethodNotAllowedException;
import reactor.core.publisher.Mono;

/**
 * The webhook Event Grid delivers to, {@value #PATH}, in either schema:
 * <ul>
 *   <li>Event Grid schema subscription validation: a {@code Microsoft.EventGrid.SubscriptionValidationEvent} is
 *       answered {@code 200 {"validationResponse": code}};</li>
 *   <li>CloudEvents 1.0 webhook validation: {@code OPTIONS} with {@code WebHook-Request-Origin} is answered with
 *       {@code WebHook-Allowed-Origin} (and {@code WebHook-Allowed-Rate: *});</li>
 *   <li>events go to the same {@link BlobTriggerHandler} as the queue's: {@code 200} with the outcomes; a failure
 *       retrying cannot fix is {@code 400} problem+json with the reason (Event Grid then dead-letters the event without
 *       retrying), {@code 413} for a body over the limit, anything else {@code 503} (Event Grid retries).</li>
 * </ul>
 * Every request, the handshakes included, must come from Event Grid ({@link WebhookAuthentication}: the shared secret
 * or Event Grid's Entra token). Errors travel as {@link PipelineException}s to the ingest service's problem+json
 * handler.
 */
final class BlobEventWebhook {

    static final String PATH = "/v1/events/blob";
    static final String REQUEST_ORIGIN = "WebHook-Request-Origin";
    static final String ALLOWED_ORIGIN = "WebHook-Allowed-Origin";
    static final String ALLOWED_RATE = "WebHook-Allowed-Rate";

    private final BlobTriggerHandler handler;
    private final WebhookAuthentication authentication;
    private final int maxBodyBytes;

    BlobEventWebhook(BlobTriggerHandler handler, WebhookAuthentication authentication, long maxBodyBytes) {
        this.handler = handler;
        this.authentication = authentication;
        this.maxBodyBytes = (int) Math.min(maxBodyBytes, Integer.MAX_VALUE);
    }

    /**
     * The webhook's routes: POST and OPTIONS on {@value #PATH}, each only for a caller {@link WebhookAuthentication}
     * accepts (checked before the body is read; its refusals are 401/403, never mapped to a retry); 405 for other
     * methods.
     */
    RouterFunction<ServerResponse> routes() {
        return RouterFunctions.route()
                .POST(PATH, request -> authentication.check(request).then(Mono.defer(() -> deliver(request))))
                .OPTIONS(PATH, request -> authentication.check(request)
                        .then(Mono.defer(() -> validateOrigin(request))))
                .add(RouterFunctions.route(RequestPredicates.path(PATH), request -> Mono.error(
                        new MethodNotAllowedException(request.method(), Set.of(HttpMethod.POST, HttpMethod.OPTIONS)))))
                .build();
    }

    private Mono<ServerResponse> deliver(ServerRequest request) {
        return DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()), maxBodyBytes)
                .map(buffer -> {
                    try {
                        byte[] bytes = new byte[buffer.readableByteCount()];
                        buffer.read(bytes);
                        return bytes;
                    } finally {
                        DataBufferUtils.release(buffer);
                    }
                })
                .switchIfEmpty(Mono.error(() -> new BadInputException(BlobEvents.MALFORMED, "The body is empty")))
                .flatMap(body -> {
                    List<BlobEvents.Event> events = BlobEvents.parse(body);
                    for (BlobEvents.Event event : events) {
                        if (event instanceof BlobEvents.SubscriptionValidation validation) {
                            return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                                    .bodyValue(Map.of("validationResponse", validation.validationCode()));
                        }
                    }
                    return handler.handle(events).flatMap(results -> ServerResponse.ok()
                            .contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(Map.of("results", results.stream().map(BlobEventWebhook::describe).toList())));
                })
                .onErrorMap(BlobEventWebhook::forEventGrid);
    }

    private Mono<ServerResponse> validateOrigin(ServerRequest request) {
        String origin = request.headers().firstHeader(REQUEST_ORIGIN);
        ServerResponse.BodyBuilder response = ServerResponse.ok().header(HttpHeaders.ALLOW, "POST, OPTIONS");
        if (origin == null || origin.isBlank()) {
            return response.build();
        }
        // Event Grid (CloudEvents 1.0 abuse protection) asks whether it may deliver; any rate is fine.
        return response.header(ALLOWED_ORIGIN, origin.strip()).header(ALLOWED_RATE, "*").build();
    }

    private static Map<String, Object> describe(BlobTriggerHandler.Result result) {
        Map<String, Object> described = new LinkedHashMap<>();
        described.put("eventId", result.eventId());
        described.put("outcome", result.outcome().name());
        described.put("matterId", result.matterId());
        described.put("blob", result.blobPath());
        return described;
    }

    /**
     * The same classification as on the queue ({@link Settlement}), as statuses Event Grid understands: it retries
     * 503 and dead-letters 400 and 413 at once.
     */
    private static Throwable forEventGrid(Throwable failure) {
        if (failure instanceof DataBufferLimitException) {
            return new TooLargeException("request-too-large", "An Event Grid delivery is at most 1 MB; this one is "
                    + "larger than the limit", failure);
        }
        Settlement settlement = Settlement.of(failure);
        if (settlement.action() == Settlement.Action.DEAD_LETTER) {
            return failure instanceof PipelineException pipeline
                    && (pipeline.kind() == PipelineException.Kind.BAD_INPUT
                            || pipeline.kind() == PipelineException.Kind.TOO_LARGE)
                    ? failure : new BadInputException(settlement.reason(), failure.getMessage(), failure);
        }
        return failure instanceof TransientException ? failure
                : new TransientException(settlement.reason(), failure.getMessage(), failure);
    }
}
