package io.matterpipeline.ingest.api;

import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.ingest.IngestProperties;
import io.matterpipeline.ingest.matter.MatterQueries;
import io.matterpipeline.ingest.matter.MatterStatusView;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code GET /v1/matters/{id}/events}: the Matter's status as Server-Sent Events. The first event is the current
 * status; then the status is re-read every poll interval and sent when it changed (event {@code status}, a rising
 * {@code id}); a comment line goes out when nothing changed for a heartbeat. The stream ends after the event with a
 * final status, when the Matter disappears (event {@code gone}), or after the configured maximum duration (the client
 * reconnects). At most the configured number of streams are open at once; one more gets 503 with Retry-After.
 * A missing Matter is a problem+json 404 before the stream starts.
 */
final class MatterEvents {

    private final MatterQueries matters;
    private final IngestProperties.Events settings;
    private final AtomicInteger open = new AtomicInteger();

    MatterEvents(MatterQueries matters, IngestProperties.Events settings) {
        this.matters = matters;
        this.settings = settings;
    }

    Mono<ServerResponse> stream(ServerRequest request) {
        String tenant = Callers.of(request).tenant();
        String matterId = request.pathVariable("id");
        return matters.status(tenant, matterId).flatMap(first -> {
            if (open.incrementAndGet() > settings.maxStreams()) {
                open.decrementAndGet();
                return Mono.error(new TransientException("too-many-event-streams", "This instance serves "
                        + settings.maxStreams() + " event streams already; try again shortly"));
            }
            Flux<ServerSentEvent<Object>> events = events(tenant, matterId, first)
                    .take(settings.maxDuration())
                    .doFinally(signal -> open.decrementAndGet());
            return ServerResponse.ok()
                    .contentType(MediaType.TEXT_EVENT_STREAM)
                    .header("Cache-Control", "no-store")
                    .body(BodyInserters.fromServerSentEvents(events));
        });
    }

    private Flux<ServerSentEvent<Object>> events(String tenant, String matterId, MatterStatusView first) {
        AtomicLong sequence = new AtomicLong();
        Flux<MatterStatusView> later = Flux.interval(settings.pollInterval(), settings.pollInterval())
                .onBackpressureDrop()
                .concatMap(tick -> matters.status(tenant, matterId), 1);
        Flux<ServerSentEvent<Object>> statuses = Flux.concat(Mono.just(first), later)
                .takeUntil(status -> status.status().isFinal())
                .distinctUntilChanged()
                .map(status -> ServerSentEvent.<Object>builder(status)
                        .event("status")
                        .id(String.valueOf(sequence.incrementAndGet()))
                        .build())
                .onErrorResume(PipelineException.class, error -> Mono.just(ServerSentEvent.<Object>builder(
                                Map.of("reason", error.reason(), "detail", error.getMessage()))
                        .event(error.kind() == PipelineException.Kind.NOT_FOUND ? "gone" : "error")
                        .build()));
        if (settings.heartbeat().isZero() || settings.heartbeat().isNegative()) {
            return statuses;
        }
        Flux<ServerSentEvent<Object>> heartbeats = Flux.interval(settings.heartbeat(), settings.heartbeat())
                .onBackpressureDrop()
                .map(tick -> ServerSentEvent.<Object>builder().comment("keep-alive").build());
        // The heartbeats run while the statuses do, and stop with them.
        return statuses.publish(shared -> Flux.merge(shared, heartbeats.takeUntilOther(shared.then())));
    }
}
