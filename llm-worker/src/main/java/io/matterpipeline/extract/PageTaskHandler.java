package io.matterpipeline.extract;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.MessageHandler;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageContent;
import io.matterpipeline.contract.PageExtracted;
import io.matterpipeline.contract.PageFailed;
import io.matterpipeline.contract.PageTask;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.error.NotFoundException;
import io.matterpipeline.error.PoisonException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;

/**
 * Handles a {@link PageTask}: reads the page blob, has the {@link PageExtractor} read it with the model, writes the
 * {@link io.matterpipeline.contract.PageExtraction} to its fixed blob path and publishes {@link PageExtracted}; or,
 * when the extractor gives its verdict that the page cannot be read ({@link PageFailedException}: budget spent, or a
 * failure no retry fixes), publishes {@link PageFailed} and completes, so the Matter still finishes (PARTIAL). That is
 * the only failure handled here: everything else (page blob missing or malformed, store or bus down, a bug) fails the
 * delivery for the queue consumer to settle once ({@link io.matterpipeline.bus.Settlement}), and on its last delivery
 * {@link #onGiveUp} publishes {@link PageFailed}.
 *
 * <p>Idempotent: the extraction path is fixed per page, and a page whose extraction already exists (a duplicate
 * delivery, or a crash between writing and publishing) is only announced again, without another model call.
 */
final class PageTaskHandler implements MessageHandler {

    private static final Logger log = LoggerFactory.getLogger(PageTaskHandler.class);
    /** How long a worker trusts that a Matter is not cancelled before it looks for the cancel marker again. */
    private static final Duration CANCEL_RECHECK = Duration.ofSeconds(2);

    private final BlobStore blobs;
    private final MessageBus bus;
    private final PageExtractor extractor;
    private final MatterSchemas schemas;
    private final String resultsQueue;
    private final CancelledMatters cancelledMatters;

    private final BatchedFactPublisher facts;

    PageTaskHandler(BlobStore blobs, MessageBus bus, PageExtractor extractor, MatterSchemas schemas,
            String resultsQueue) {
        this(blobs, bus, extractor, schemas, resultsQueue,
                new BatchedFactPublisher(bus, resultsQueue, Duration.ZERO, 1,
                        WorkerProperties.Facts.MIN_BATCH_BYTES.toBytes(), Schedulers.parallel()));
    }

    /** With {@code facts} sending the PageExtracted facts (in batches); the PageFailed facts go out one by one. */
    PageTaskHandler(BlobStore blobs, MessageBus bus, PageExtractor extractor, MatterSchemas schemas,
            String resultsQueue, BatchedFactPublisher facts) {
        this.facts = facts;
        this.blobs = blobs;
        this.cancelledMatters = new CancelledMatters(blobs, CANCEL_RECHECK);
        this.bus = bus;
        this.extractor = extractor;
        this.schemas = schemas;
        this.resultsQueue = resultsQueue;
    }

    @Override
    public Mono<Void> handle(PipelineMessage message, DeliveryAttempt attempt) {
        if (!(message instanceof PageTask task)) {
            return Mono.error(new PoisonException("unexpected-message",
                    "The pages queue carries page tasks only, got " + message.type()));
        }
        String extractionBlob = BlobPaths.extraction(task.matterId(), task.documentId(), task.pageNumber());
        // In hand until handled: the facts of the pages before it wait for its fact only while it may still come.
        return facts.inHand(cancelledMatters.isCancelled(task.matterId())
                .flatMap(cancelled -> {
                    if (cancelled) {
                        // The Matter was cancelled: its result is final, nobody waits for this page. Skip the model.
                        log.info("Skipping page {}: its Matter was cancelled", label(task));
                        return Mono.<Void>empty();
                    }
                    return blobs.stat(extractionBlob).hasElement()
                            .flatMap(done -> done ? announceExtracted(task, extractionBlob)
                                    : read(task, extractionBlob));
                })
                .checkpoint("extract page " + label(task)));
    }

    @Override
    public Mono<Void> onGiveUp(PipelineMessage message, String reason, String description) {
        if (message instanceof PageTask task) {
            return announceFailed(task, reason, description);
        }
        return Mono.empty();
    }

    private Mono<Void> read(PageTask task, String extractionBlob) {
        return readPage(task)
                .zipWith(schemas.forMatter(task.matterId()))
                .flatMap(pageAndSchema -> extractor.extract(pageAndSchema.getT1(), pageAndSchema.getT2())
                        .flatMap(extraction -> blobs.putBytes(extractionBlob,
                                        MessageCodec.mapper().writeValueAsBytes(extraction), PutCondition.none())
                                .then(announceExtracted(task, extractionBlob)))
                        .onErrorResume(PageFailedException.class,
                                failed -> announceFailed(task, failed.reason(), failed.getMessage())));
    }

    private Mono<PageContent> readPage(PageTask task) {
        return blobs.read(task.pageBlob())
                .switchIfEmpty(Mono.error(() -> new NotFoundException("page-not-found",
                        "The page blob " + task.pageBlob() + " of page " + label(task) + " does not exist")))
                .map(content -> {
                    try {
                        return MessageCodec.mapper().readValue(content.bytes(), PageContent.class);
                    } catch (JacksonException e) {
                        throw new PoisonException("malformed-page", "The page blob " + task.pageBlob()
                                + " is not a page: " + e.getOriginalMessage(), e);
                    }
                })
                .map(page -> page.text() == null ? withEmptyText(page) : page);
    }

    private static PageContent withEmptyText(PageContent page) {
        return new PageContent(page.matterId(), page.documentId(), page.pageNumber(), page.pageCount(), page.kind(),
                "", page.words(), page.averageWordConfidence(), page.minWordConfidence(),
                page.lowConfidenceWordShare(), page.precedingText(), page.followingText());
    }

    private Mono<Void> announceExtracted(PageTask task, String extractionBlob) {
        return facts.publish(new PageExtracted(task.matterId(), task.documentId(), task.pageNumber(), extractionBlob));
    }

    private Mono<Void> announceFailed(PageTask task, String reason, String description) {
        return bus.publish(resultsQueue, MessageCodec.encode(
                new PageFailed(task.matterId(), task.documentId(), task.pageNumber(), reason, description)));
    }

    private static String label(PageTask task) {
        return task.matterId() + "/" + task.documentId() + "/" + task.pageNumber();
    }
}
