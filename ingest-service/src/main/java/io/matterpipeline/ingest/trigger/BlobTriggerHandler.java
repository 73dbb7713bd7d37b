package io.matterpipeline.ingest.trigger;

import io.matterpipeline.blob.BlobInfo;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.bus.MessageHandler;
import io.matterpipeline.bus.RawQueueConsumer;
import io.matterpipeline.bus.Settlement;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.ConflictException;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.ingest.matter.DocumentUpload;
import io.matterpipeline.ingest.matter.MatterIntake;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Turns Event Grid {@code BlobCreated} events of the inbox into Matter operations, for both entry points (the queue
 * and the webhook):
 * <ul>
 *   <li>{@code {inbox}/{matterId}/{fileName}}: the Matter is created if it does not exist, and the blob is copied
 *       (streamed through the blob store port) into the Matter as a document. The document id is derived from the
 *       blob's path and ETag, so the same upload is one document however often its event arrives; a receipt at
 *       {@code matters/{m}/receipts/{documentId}.json} records the processed (path, ETag), and an event that finds it
 *       is ignored as a duplicate. An event for a version that was since replaced is ignored (the replacement has
 *       its own event).</li>
 *   <li>{@code {inbox}/{matterId}/{seal-marker}}: seals the Matter. Event Grid does not order events, so the seal
 *       first adds every document of the Matter's inbox folder whose event has not been handled yet; a document
 *       uploaded after the marker is refused with {@code matter-sealed}. A repeated marker is ignored.</li>
 *   <li>Hidden files ({@code .DS_Store}) and ADLS {@code CreateFile} events (an empty file about to be written; its
 *       {@code FlushWithClose} event follows) are skipped.</li>
 * </ul>
 * Failures that retrying cannot fix are {@link BadInputException}s whose reason the caller reports (dead-letter reason,
 * 400 problem): {@code malformed-event}, {@code unsupported-event-type}, {@code foreign-container},
 * {@code not-inbox-path}, {@code invalid-id}, {@code blob-not-found} (no blob at the event's path: nothing is created,
 * added or sealed), {@code empty-document}, {@code matter-sealed},
 * {@code too-many-documents}; {@code document-too-large} is too-large. Anything else is retried.
 */
final class BlobTriggerHandler implements RawQueueConsumer.Handler {

    static final String UNSUPPORTED = "unsupported-event-type";
    static final String BLOB_NOT_FOUND = "blob-not-found";

    private static final Logger log = LoggerFactory.getLogger(BlobTriggerHandler.class);
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final Set<String> REFUSALS = Set.of("matter-sealed", "too-many-documents");

    private final MatterIntake matters;
    private final String tenant;
    private final BlobStore blobs;
    private final String container;
    private final BlobTriggerProperties properties;
    private final Clock clock;

    /**
     * @param tenant the tenant whose Matters inbox uploads become (inbox paths name no tenant): the default tenant
     * @param container the container whose inbox is watched: the one the blob store works in
     */
    BlobTriggerHandler(MatterIntake matters, String tenant, BlobStore blobs, String container,
            BlobTriggerProperties properties, Clock clock) {
        this.matters = matters;
        this.tenant = tenant;
        this.blobs = blobs;
        this.container = container;
        this.properties = properties;
        this.clock = clock;
    }

    /** What became of one event. */
    enum Outcome {
        /** The blob is a document of its Matter (added now, or found added by an earlier attempt). */
        ADDED,
        /** A receipt shows this blob version was processed before: nothing done. */
        DUPLICATE,
        /** The event's blob version was replaced or deleted since: nothing done, the newer event counts. */
        SUPERSEDED,
        /** A hidden file or an ADLS CreateFile event: nothing done. */
        SKIPPED,
        /** The seal marker sealed the Matter. */
        SEALED,
        /** A seal marker for a Matter sealed before: nothing done. */
        ALREADY_SEALED
    }

    /** The outcome of one event, for logs and the webhook's answer. */
    record Result(String eventId, Outcome outcome, String matterId, String blobPath) {
    }

    /** The queue entry point: one Service Bus message holds one event (or an array of them). */
    @Override
    public Mono<Void> handle(RawQueueConsumer.Message message, MessageHandler.DeliveryAttempt attempt) {
        return Mono.defer(() -> handle(BlobEvents.parse(message.body()))).then();
    }

    /**
     * A delivery given up on (refused, or failed on its last delivery) whose one event named a file of an open Matter
     * records that file's document as failed with the reason, so the Matter ends PARTIAL when sealed instead of
     * waiting for it. Nothing is recorded for a file that is not there ({@value #BLOB_NOT_FOUND}: a forged event, or
     * a file deleted on purpose), a seal marker (the Matter stays open: nothing else can say it is complete), an event
     * that does not parse or lies outside the inbox, or a delivery of several events (the reason is one event's, and
     * which one is not known).
     */
    @Override
    public Mono<Void> onGiveUp(RawQueueConsumer.Message message, String reason, String description) {
        return Mono.defer(() -> {
            InboxEntry entry;
            BlobEvents.BlobCreated created;
            try {
                List<BlobEvents.Event> events = BlobEvents.parse(message.body());
                if (BLOB_NOT_FOUND.equals(reason) || events.size() != 1
                        || !(events.get(0) instanceof BlobEvents.BlobCreated event)) {
                    return Mono.empty();
                }
                created = event;
                entry = InboxEntry.of(created.subject(), container, properties.inbox());
            } catch (PipelineException unusable) {
                return Mono.empty();
            }
            if (entry.isHidden() || "CreateFile".equals(created.api())
                    || entry.fileName().equals(properties.sealMarker())) {
                return Mono.empty();
            }
            return matters.recordFailedDocument(tenant, entry.matterId(),
                            documentId(entry.blobPath(), created.eTag()), entry.fileName(), reason,
                            "blob " + entry.blobPath() + ": " + description)
                    .onErrorResume(error -> error instanceof PipelineException invalid
                            && invalid.kind() == PipelineException.Kind.BAD_INPUT, invalid -> Mono.just(false))
                    .doOnNext(recorded -> {
                        if (recorded) {
                            log.warn("Event {} given up ({}): {} recorded FAILED in Matter {}", created.id(), reason,
                                    entry.blobPath(), entry.matterId());
                        }
                    })
                    .then();
        });
    }

    /**
     * Handles the events of one delivery in order. Every event is tried; then, if some failed, the delivery fails with
     * a failure that is retried when any was retryable (so nothing is dead-lettered that could still succeed; the
     * events that succeeded are idempotent), otherwise with the first failure.
     */
    Mono<List<Result>> handle(List<BlobEvents.Event> events) {
        List<Throwable> failures = new ArrayList<>();
        return Flux.fromIterable(events)
                .concatMap(event -> handle(event)
                        .doOnNext(result -> log.info("Event {}: {} {} (Matter {})", result.eventId(),
                                result.outcome(), result.blobPath(), result.matterId()))
                        .onErrorResume(failure -> {
                            log.warn("Event {} failed: {}", event.id(), failure.toString());
                            failures.add(failure);
                            return Mono.empty();
                        }))
                .collectList()
                .flatMap(results -> failures.isEmpty() ? Mono.just(results) : Mono.error(
                        failures.stream()
                                .filter(failure -> Settlement.of(failure).action() == Settlement.Action.RETRY)
                                .findFirst()
                                .orElse(failures.get(0))));
    }

    private Mono<Result> handle(BlobEvents.Event event) {
        return Mono.defer(() -> {
            if (event instanceof BlobEvents.BlobCreated created) {
                return blobCreated(created);
            }
            if (event instanceof BlobEvents.SubscriptionValidation) {
                return Mono.error(new BadInputException(UNSUPPORTED, "A subscription validation event is answered by"
                        + " the webhook only; this one came another way"));
            }
            BlobEvents.Unsupported other = (BlobEvents.Unsupported) event;
            return Mono.<Result>error(new BadInputException(UNSUPPORTED, "Event " + other.id() + " is of type "
                    + other.type() + "; the trigger handles " + BlobEvents.BLOB_CREATED
                    + " only (check the subscription's event type filter)"));
        }).checkpoint("blob event " + event.id());
    }

    private Mono<Result> blobCreated(BlobEvents.BlobCreated event) {
        InboxEntry entry = InboxEntry.of(event.subject(), container, properties.inbox());
        if (entry.isHidden() || "CreateFile".equals(event.api())) {
            return Mono.just(new Result(event.id(), Outcome.SKIPPED, entry.matterId(), entry.blobPath()));
        }
        if (entry.fileName().equals(properties.sealMarker())) {
            // Only a marker that exists seals: an event is a claim, the store is the fact.
            return existing(entry)
                    .then(Mono.defer(() -> seal(entry)))
                    .map(outcome -> new Result(event.id(), outcome, entry.matterId(), entry.blobPath()));
        }
        return existing(entry)
                .filter(info -> unquoted(info.etag()).equals(unquoted(event.eTag())))
                .flatMap(current -> document(entry, event.eTag(), event.contentType()))
                .defaultIfEmpty(Outcome.SUPERSEDED)
                .map(outcome -> new Result(event.id(), outcome, entry.matterId(), entry.blobPath()));
    }

    /**
     * The blob an event names. Fails with {@value #BLOB_NOT_FOUND} when there is none: a forged event, or a blob
     * deleted before its event was handled; either way nothing is done and the event is dead-lettered for a person
     * to look at.
     */
    private Mono<BlobInfo> existing(InboxEntry entry) {
        return blobs.stat(entry.blobPath())
                .switchIfEmpty(Mono.error(() -> new BadInputException(BLOB_NOT_FOUND, "Blob " + entry.blobPath()
                        + " does not exist: the event is not about a blob in the store (forged, or the blob was "
                        + "deleted before the event was handled); nothing was done")));
    }

    private Mono<Outcome> document(InboxEntry entry, String eTag, String contentType) {
        String documentId = documentId(entry.blobPath(), eTag);
        String receipt = receiptPath(entry.matterId(), documentId);
        return blobs.stat(receipt)
                .map(found -> Outcome.DUPLICATE)
                .switchIfEmpty(Mono.defer(() -> matters.createIfAbsent(tenant, entry.matterId(), null)
                        .then(matters.uploadOnce(tenant, entry.matterId(), documentId,
                                new DocumentUpload(entry.fileName(), contentType, blobs.get(entry.blobPath()))))
                        .onErrorMap(BlobTriggerHandler::isRefusal, refusal -> new BadInputException(
                                ((PipelineException) refusal).reason(), refusal.getMessage()
                                        + " (blob " + entry.blobPath() + "; was it uploaded after the seal marker?)",
                                refusal))
                        .then(writeReceipt(receipt, entry, eTag, documentId))
                        .thenReturn(Outcome.ADDED)));
    }

    private Mono<Outcome> seal(InboxEntry marker) {
        String matterId = marker.matterId();
        return matters.createIfAbsent(tenant, matterId, null)
                .thenMany(blobs.list(InboxEntry.matterFolder(properties.inbox(), matterId)))
                .concatMap(info -> Mono.fromCallable(() -> InboxEntry.ofPath(info.path(), properties.inbox()))
                        .filter(entry -> !entry.isHidden() && !entry.fileName().equals(properties.sealMarker()))
                        .map(entry -> Map.entry(entry, info)))
                .flatMap(found -> document(found.getKey(), found.getValue().etag(), null)
                        .onErrorResume(BlobTriggerHandler::isFinal, failure -> {
                            // This document's own event reports the failure; the seal goes on without it.
                            log.warn("Sealing Matter {}: inbox blob {} is left out: {}", matterId,
                                    found.getKey().blobPath(), failure.getMessage());
                            return Mono.empty();
                        }), properties.sealConcurrency())
                .then(matters.seal(tenant, matterId))
                .map(sealed -> Outcome.SEALED)
                .onErrorResume(BlobTriggerHandler::isAlreadySealed, sealedBefore -> Mono.just(Outcome.ALREADY_SEALED));
    }

    private Mono<Void> writeReceipt(String path, InboxEntry entry, String eTag, String documentId) {
        Map<String, Object> receipt = new LinkedHashMap<>();
        receipt.put("blob", entry.blobPath());
        receipt.put("eTag", unquoted(eTag));
        receipt.put("matterId", entry.matterId());
        receipt.put("documentId", documentId);
        receipt.put("processedAt", clock.instant().toString());
        return Mono.fromCallable(() -> MessageCodec.mapper().writeValueAsBytes(receipt))
                .flatMap(bytes -> blobs.putBytes(path, bytes, PutCondition.ifAbsent()))
                // A twin delivery wrote it first: same content but the time.
                .onErrorResume(BlobTriggerHandler::isPreconditionFailed, raced -> Mono.empty())
                .then();
    }

    /** Where the receipt of a processed inbox blob version lives: inside the Matter, so it goes with the Matter. */
    static String receiptPath(String matterId, String documentId) {
        return BlobPaths.matterPrefix(matterId) + "receipts/" + documentId + ".json";
    }

    /**
     * The document id of one version of an inbox blob: {@code d-} and 20 base-32 characters of
     * SHA-256(path, ETag). Deterministic, so every delivery of its event (and a seal catching up) names the same
     * document.
     */
    static String documentId(String blobPath, String eTag) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256")
                    .digest((blobPath + "\n" + unquoted(eTag)).getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
        StringBuilder id = new StringBuilder("d-");
        for (int i = 0; i < 20; i++) {
            // 5 bits per character from the digest's first 100 bits.
            int bit = i * 5;
            int word = ((digest[bit / 8] & 0xff) << 8) | (digest[bit / 8 + 1] & 0xff);
            id.append(ALPHABET[(word >> (11 - bit % 8)) & 0x1f]);
        }
        return id.toString();
    }

    /** Event Grid reports ETags bare, blob stores quoted: compare and hash them bare. */
    static String unquoted(String eTag) {
        return eTag != null && eTag.length() >= 2 && eTag.startsWith("\"") && eTag.endsWith("\"")
                ? eTag.substring(1, eTag.length() - 1) : eTag;
    }

    private static boolean isRefusal(Throwable error) {
        return error instanceof ConflictException conflict && REFUSALS.contains(conflict.reason());
    }

    private static boolean isAlreadySealed(Throwable error) {
        return error instanceof ConflictException conflict && "matter-already-sealed".equals(conflict.reason());
    }

    private static boolean isPreconditionFailed(Throwable error) {
        return error instanceof ConflictException conflict && "precondition-failed".equals(conflict.reason());
    }

    /** A failure retrying cannot fix. */
    private static boolean isFinal(Throwable error) {
        return isRefusal(error) || Settlement.of(error).action() == Settlement.Action.DEAD_LETTER;
    }
}
