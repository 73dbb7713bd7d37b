package io.matterpipeline.ingest.request;

import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.MessageHandler;
import io.matterpipeline.bus.RawQueueConsumer;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.ingest.IngestProperties;
import io.matterpipeline.ingest.matter.MatterIntake;
import java.time.Clock;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The upstream {@code ingest-requests} queue: each message is checked against the published JSON Schema
 * ({@code docs/schemas/ingest-request.schema.json}) and carried out by {@link IngestRequestHandler}. Its messages are
 * not pipeline messages, so they come through common's {@link RawQueueConsumer}, whose settlement dead-letters an
 * invalid request at once with a reason naming the field ({@code invalid-request:matterId}) and retries transient
 * failures with backoff.
 */
public final class IngestRequests implements RawQueueConsumer.Handler {

    private final RequestSchema schema;
    private final IngestRequestHandler handler;

    IngestRequests(RequestSchema schema, IngestRequestHandler handler) {
        this.schema = schema;
        this.handler = handler;
    }

    /** The handler of the requests, carried out with {@code matters}. */
    public static IngestRequests create(MatterIntake matters, BlobStore blobs, IngestProperties.Requests settings) {
        return new IngestRequests(new RequestSchema(settings.maxRequestSize().toBytes()),
                new IngestRequestHandler(matters, blobs, settings, Clock.systemUTC()));
    }

    /** The consumer of the configured queue; a Spring lifecycle bean. */
    public static RawQueueConsumer consumer(MessageBus bus, IngestRequests requests,
            IngestProperties.Requests settings) {
        return new RawQueueConsumer(bus, settings.queue(), settings.consumerSettings(), requests);
    }

    @Override
    public Mono<Void> handle(RawQueueConsumer.Message message, MessageHandler.DeliveryAttempt attempt) {
        // The validator loads message bundles and meta-schemas lazily from the jar (blocking reads): off the event
        // loop.
        return Mono.fromCallable(() -> schema.read(message.body()))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(handler::handle);
    }

    /**
     * An {@code add-document} request given up on (refused, or failed on its last delivery) records its document as
     * failed with the reason, so the Matter does not wait for it ({@link IngestRequestHandler#giveUp}); a request
     * that does not parse names nothing to record.
     */
    @Override
    public Mono<Void> onGiveUp(RawQueueConsumer.Message message, String reason, String description) {
        return Mono.fromCallable(() -> schema.read(message.body()))
                .subscribeOn(Schedulers.boundedElastic())
                .onErrorResume(PipelineException.class, invalid -> Mono.empty())
                .flatMap(request -> handler.giveUp(request, reason, description));
    }
}
