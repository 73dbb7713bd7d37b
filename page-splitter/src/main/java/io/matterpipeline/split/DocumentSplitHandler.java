package io.matterpipeline.split;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.bus.MessageHandler;
import io.matterpipeline.bus.OutboundMessage;
import io.matterpipeline.contract.DocumentFailed;
import io.matterpipeline.contract.DocumentReceived;
import io.matterpipeline.contract.DocumentSplit;
import io.matterpipeline.contract.Ids;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageContent;
import io.matterpipeline.contract.PageFailed;
import io.matterpipeline.contract.PageTask;
import io.matterpipeline.contract.PipelineMessage;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.PoisonException;
import io.matterpipeline.error.TooLargeException;
import io.matterpipeline.split.page.SplitDocument;
import io.matterpipeline.split.page.SplitFailures;
import io.matterpipeline.split.page.SplitPage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Splits the document of a {@link DocumentReceived}: copies the source blob to a temp file, detects its format from
 * the content, writes one {@link PageContent} blob per page and publishes the {@link PageTask}s in batches as their
 * page blobs are written, then a {@link DocumentSplit} — in that order, so the aggregator never learns a page count
 * before its tasks exist. The first batches are small ({@value #FIRST_BATCH} tasks, doubling up to
 * {@code page-task-batch-size}), so model calls start while the rest of the document is still being split. A document
 * found unreadable part-way (a PDF page whose text cannot be read) has had tasks published for its first pages: their
 * facts are recorded for a document that ends FAILED and change nothing else.
 *
 * <p>Idempotent: page blob paths and message ids are deterministic, so a redelivery rewrites identical blobs and
 * republishes the same ids.
 *
 * <p>Failure policy. A document that cannot be split (encrypted, corrupt, empty, unsupported, too large) is an
 * outcome, not a fault of the message: the handler publishes {@link DocumentFailed} with the reason and completes, so
 * the dead-letter queue holds only messages that really need an operator (undecodable, invalid ids, a source blob
 * that is gone, transient failures that outlived their retry budget). For those, {@link #onGiveUp} publishes the same
 * DocumentFailed (same deterministic id) so the Matter still reaches a final state.
 */
final class DocumentSplitHandler implements MessageHandler {

    private static final Logger log = LoggerFactory.getLogger(DocumentSplitHandler.class);
    private static final SplitPage NO_PAGE = SplitPage.ofText(0, "");
    /** Tasks in the first batch of a document; each next batch is twice as large, up to page-task-batch-size. */
    static final int FIRST_BATCH = 16;

    private final BlobStore blobs;
    private final MessageBus bus;
    private final DocumentSplitter splitter;
    private final SplitterProperties properties;
    private final SplitterQueues queues;

    DocumentSplitHandler(BlobStore blobs, MessageBus bus, DocumentSplitter splitter, SplitterProperties properties,
            SplitterQueues queues) {
        this.blobs = blobs;
        this.bus = bus;
        this.splitter = splitter;
        this.properties = properties;
        this.queues = queues;
    }

    @Override
    public Mono<Void> handle(PipelineMessage message, DeliveryAttempt attempt) {
        if (!(message instanceof DocumentReceived received)) {
            return Mono.error(new PoisonException("unexpected-message-type",
                    "The page-splitter consumes document-received messages, not " + message.type()));
        }
        if (!Ids.isValid(received.matterId()) || !Ids.isValid(received.documentId())) {
            // Without valid ids there is no Matter to report to: an operator has to look at it.
            return Mono.error(new PoisonException("invalid-id", "DocumentReceived carries an invalid matter or"
                    + " document id"));
        }
        return Mono.defer(() -> split(received))
                .onErrorResume(DocumentSplitHandler::isDocumentFault,
                        failure -> publishFailed(received, (PipelineException) failure))
                .checkpoint("split document " + received.matterId() + "/" + received.documentId());
    }

    @Override
    public Mono<Void> onGiveUp(PipelineMessage message, String reason, String description) {
        if (message instanceof DocumentReceived received && Ids.isValid(received.matterId())
                && Ids.isValid(received.documentId())) {
            return bus.publish(queues.results(), MessageCodec.encode(
                    new DocumentFailed(received.matterId(), received.documentId(), reason, description)));
        }
        return Mono.empty();
    }

    /** True for failures that say the document itself can never be split. */
    private static boolean isDocumentFault(Throwable failure) {
        return failure instanceof PipelineException pipelineFailure
                && (pipelineFailure.kind() == PipelineException.Kind.BAD_INPUT
                        || pipelineFailure.kind() == PipelineException.Kind.TOO_LARGE);
    }

    private Mono<Void> publishFailed(DocumentReceived received, PipelineException failure) {
        log.info("Document {} of matter {} ({}) cannot be split: {} - {}", received.documentId(),
                received.matterId(), received.fileName(), failure.reason(), failure.getMessage());
        return bus.publish(queues.results(), MessageCodec.encode(new DocumentFailed(received.matterId(),
                received.documentId(), failure.reason(), failure.getMessage())));
    }

    private Mono<Void> split(DocumentReceived received) {
        long maxBytes = properties.maxDocumentSize().toBytes();
        if (received.sizeBytes() > maxBytes) {
            return Mono.error(tooLarge(received.sizeBytes(), maxBytes));
        }
        Path tempDirectory = properties.effectiveTempDirectory();
        return Mono.usingWhen(
                Mono.fromCallable(() -> {
                    Files.createDirectories(tempDirectory);
                    return Files.createTempFile(tempDirectory, "split-" + received.documentId() + "-", ".tmp");
                }).subscribeOn(Schedulers.boundedElastic()),
                temp -> download(received, temp).then(Mono.defer(() -> splitFile(received, temp))),
                DocumentSplitHandler::delete);
    }

    /** Streams the source blob to {@code temp} with non-blocking writes; the document is never in memory whole. */
    private Mono<Void> download(DocumentReceived received, Path temp) {
        String source = received.sourceBlob() != null ? received.sourceBlob()
                : BlobPaths.documentSource(received.matterId(), received.documentId());
        long maxBytes = properties.maxDocumentSize().toBytes();
        Flux<DataBuffer> content = Flux.defer(() -> {
            AtomicLong size = new AtomicLong();
            return blobs.get(source).map(buffer -> {
                long total = size.addAndGet(buffer.remaining());
                if (total > maxBytes) {
                    throw tooLarge(total, maxBytes);
                }
                return DefaultDataBufferFactory.sharedInstance.wrap(buffer);
            });
        });
        return DataBufferUtils.write(content, temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    private Mono<Void> splitFile(DocumentReceived received, Path temp) {
        return Mono.usingWhen(
                Mono.fromCallable(() -> splitter.open(temp)).subscribeOn(Schedulers.boundedElastic()),
                opened -> splitter.readScannedPages(opened, temp)
                        .flatMap(document -> writeAndPublish(received, document)),
                document -> Mono.fromCallable(() -> {
                    document.close();
                    return document;
                }).subscribeOn(Schedulers.boundedElastic()).then());
    }

    /**
     * Writes every page blob, in page order, and emits per page the message that settles it: a PageTask pointing at
     * the blob, or for a page that was not read (no text layer and no OCR: {@code needs-ocr}; OCR refused it:
     * {@code ocr-rejected}, {@code ocr-unauthorized}) a {@link PageFailed} with that reason (no model call).
     */
    private Flux<PipelineMessage> writePages(DocumentReceived received, SplitDocument document) {
        int pageCount = document.pageCount();
        Flux<SplitPage> pages = Flux.<SplitPage>generate(sink -> {
            try {
                SplitPage page = document.nextPage();
                if (page == null) {
                    sink.complete();
                } else {
                    sink.next(page);
                }
            } catch (IOException e) {
                sink.error(e);
            }
        }).subscribeOn(Schedulers.boundedElastic());
        // Windows of (previous, page, next) give each page its context; NO_PAGE stands before the first page, and
        // the trailing windows of two and one elements carry the last page and nothing.
        return Flux.concat(Mono.just(NO_PAGE), pages)
                .buffer(3, 1)
                .filter(window -> window.size() >= 2)
                .map(window -> Map.entry(window.get(1), pageContent(received, document, window.get(0),
                        window.get(1), window.size() > 2 ? window.get(2) : NO_PAGE)))
                .flatMapSequential(page -> writePage(page.getValue(), page.getKey().unread()),
                        properties.pageWriteConcurrency(), 1);
    }

    private PageContent pageContent(DocumentReceived received, SplitDocument document, SplitPage previous,
            SplitPage page, SplitPage next) {
        return new PageContent(received.matterId(), received.documentId(), page.pageNumber(), document.pageCount(),
                document.kind(), page.text(), page.words(), page.confidence().average(), page.confidence().min(),
                page.confidence().lowShare(), PageContext.tail(previous.text(), properties.contextChars()),
                PageContext.head(next.text(), properties.contextChars()));
    }

    private Mono<PipelineMessage> writePage(PageContent content, SplitPage.Unread unread) {
        String path = BlobPaths.page(content.matterId(), content.documentId(), content.pageNumber());
        byte[] body = MessageCodec.mapper().writeValueAsBytes(content);
        return blobs.putBytes(path, body, PutCondition.none())
                .thenReturn(unread != null
                        ? new PageFailed(content.matterId(), content.documentId(), content.pageNumber(),
                                unread.reason(), unread.description())
                        : new PageTask(content.matterId(), content.documentId(), content.pageNumber(),
                                content.pageCount(), path));
    }

    /**
     * Writes the page blobs and publishes each batch of PageTasks as soon as its pages are written; then the pages
     * that were not read ({@link PageFailed}), then the {@link DocumentSplit}.
     */
    private Mono<Void> writeAndPublish(DocumentReceived received, SplitDocument document) {
        return Mono.defer(() -> writeAndPublishOnce(received, document));
    }

    private Mono<Void> writeAndPublishOnce(DocumentReceived received, SplitDocument document) {
        int pageCount = document.pageCount();
        DocumentSplit split = new DocumentSplit(received.matterId(), received.documentId(), document.kind(),
                pageCount, document.confidence().average());
        List<PipelineMessage> noText = new ArrayList<>();
        AtomicInteger written = new AtomicInteger();
        Flux<PipelineMessage> tasks = writePages(received, document)
                .doOnNext(settling -> written.incrementAndGet())
                .filter(settling -> {
                    if (settling instanceof PageFailed) {
                        noText.add(settling);
                        return false;
                    }
                    return true;
                });
        return batches(tasks, properties.pageTaskBatchSize())
                .concatMap(batch -> bus.publishAll(queues.pages(), encodeAll(batch)), 1)
                .then(Mono.defer(() -> written.get() == pageCount ? Mono.empty()
                        : Mono.error(new IllegalStateException("Split " + written.get() + " pages of a document that"
                                + " has " + pageCount))))
                .thenMany(Flux.defer(() -> Flux.fromIterable(noText))
                        .buffer(properties.pageTaskBatchSize())
                        .concatMap(batch -> bus.publishAll(queues.results(), encodeAll(batch)), 1))
                .then(Mono.defer(() -> bus.publish(queues.results(), MessageCodec.encode(split))))
                .doOnSuccess(done -> log.info("Split document {} of matter {} ({}): {} {} pages{}",
                        received.documentId(), received.matterId(), received.fileName(), document.pageCount(),
                        document.kind(), noText.isEmpty() ? "" : ", " + noText.size() + " not read (no text layer)"));
    }

    /** {@code tasks} in batches of {@link #FIRST_BATCH}, then twice as many each time, up to {@code max}. */
    static <T> Flux<List<T>> batches(Flux<T> tasks, int max) {
        return Flux.defer(() -> {
            int[] size = {Math.min(FIRST_BATCH, max)};
            int[] taken = {0};
            return tasks.bufferUntil(task -> {
                if (++taken[0] < size[0]) {
                    return false;
                }
                taken[0] = 0;
                size[0] = Math.min(max, size[0] * 2);
                return true;
            });
        });
    }

    private static List<OutboundMessage> encodeAll(List<PipelineMessage> tasks) {
        return tasks.stream().map(MessageCodec::encode).toList();
    }

    private static TooLargeException tooLarge(long size, long maxBytes) {
        return new TooLargeException(SplitFailures.DOCUMENT_TOO_LARGE, "The document has at least " + size
                + " bytes; at most " + maxBytes + " are accepted");
    }

    /** Deletes a temp file whatever happened; a failure to delete is logged, never raised. */
    private static Mono<Void> delete(Path temp) {
        return Mono.fromRunnable(() -> {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                log.warn("Could not delete temp file {}: {}", temp, e.toString());
            }
        }).subscribeOn(Schedulers.boundedElastic()).then();
    }
}
