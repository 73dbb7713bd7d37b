package io.matterpipeline.ingest.api;

import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.TooLargeException;
import io.matterpipeline.ingest.IngestProperties;
import io.matterpipeline.ingest.matter.DocumentView;
import io.matterpipeline.ingest.matter.DocumentUpload;
import io.matterpipeline.ingest.matter.MatterIntake;
import io.matterpipeline.ingest.matter.MatterLifecycle;
import io.matterpipeline.ingest.matter.MatterQueries;
import io.matterpipeline.ingest.matter.Matters;
import io.matterpipeline.ingest.matter.SealView;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.multipart.FilePartEvent;
import org.springframework.http.codec.multipart.PartEvent;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The Matter endpoints: translate HTTP to {@link Matters} calls and back; no decisions of their own. */
final class MatterHandler {

    /** The multipart part that carries the document. */
    static final String FILE_PART = "file";

    /**
     * Room for multipart boundaries and part headers around a document, so that a declared length can reject an
     * oversized upload up front without ever refusing one that fits.
     */
    private static final long MULTIPART_OVERHEAD = 64 * 1024;

    private final MatterIntake intake;
    private final MatterLifecycle lifecycle;
    private final MatterQueries queries;
    private final long maxDocumentBytes;
    private final JsonBodies json;
    private final IngestProperties.Listing listing;

    MatterHandler(Matters matters, IngestProperties properties) {
        this.intake = matters.intake();
        this.lifecycle = matters.lifecycle();
        this.queries = matters.queries();
        this.maxDocumentBytes = properties.maxDocumentSize().toBytes();
        this.json = new JsonBodies(properties.maxJsonBody().toBytes());
        this.listing = properties.listing();
    }

    Mono<ServerResponse> create(ServerRequest request) {
        String tenant = Callers.of(request).tenant();
        return json.read(request, CreateMatterRequest.class)
                .defaultIfEmpty(CreateMatterRequest.EMPTY)
                .flatMap(body -> intake.create(tenant, body.name()))
                .flatMap(matter -> ServerResponse.created(matterUri(matter.matterId()))
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(matter));
    }

    /**
     * Streams the part named {@value #FILE_PART} into the Matter as it arrives: {@link PartEvent}s carry the body
     * chunk by chunk, so neither memory nor a temporary file ever holds the whole document (the default multipart
     * reader would spool it to disk first). One document per request; other parts are read past and ignored.
     */
    Mono<ServerResponse> upload(ServerRequest request) {
        String tenant = Callers.of(request).tenant();
        String matterId = request.pathVariable("id");
        Optional<MediaType> contentType = request.headers().contentType();
        if (contentType.isEmpty() || !MediaType.MULTIPART_FORM_DATA.isCompatibleWith(contentType.get())) {
            return Mono.error(new UnsupportedMediaTypeStatusException(contentType.orElse(null),
                    List.of(MediaType.MULTIPART_FORM_DATA)));
        }
        OptionalLong declaredLength = request.headers().contentLength();
        if (declaredLength.isPresent() && declaredLength.getAsLong() > maxDocumentBytes + MULTIPART_OVERHEAD) {
            // Known to be too large: answer now instead of reading the body up to the limit.
            return Mono.error(new TooLargeException("document-too-large", "The upload of "
                    + declaredLength.getAsLong() + " bytes is larger than the limit of " + maxDocumentBytes
                    + " bytes"));
        }
        // Refuse before reading the body: nothing of it is consumed, and the server discards it cleanly.
        return intake.acceptingDocuments(tenant, matterId)
                .thenMany(request.bodyToFlux(PartEvent.class))
                .windowUntil(PartEvent::isLast)
                .concatMap(part -> part.switchOnFirst((first, events) -> {
                    if (first.get() instanceof FilePartEvent file && FILE_PART.equals(file.name())) {
                        return uploadPart(tenant, matterId, file, events).flux();
                    }
                    return events.doOnNext(event -> DataBufferUtils.release(event.content()))
                            .thenMany(Flux.<DocumentView>empty());
                }))
                .collectList()
                .flatMap(documents -> documents.isEmpty()
                        ? Mono.error(new BadInputException("missing-file-part",
                                "The multipart body has no file part named '" + FILE_PART + "'"))
                        : Mono.just(documents.get(0)))
                // No Location: a document has no resource of its own yet; it shows in the Matter's status.
                .flatMap(document -> ServerResponse.status(HttpStatus.CREATED)
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(document));
    }

    private Mono<DocumentView> uploadPart(String tenant, String matterId, FilePartEvent file,
            Flux<PartEvent> events) {
        MediaType declared = file.headers().getContentType();
        AtomicBoolean read = new AtomicBoolean();
        Flux<ByteBuffer> content = events.doOnSubscribe(subscription -> read.set(true))
                .map(event -> toByteBuffer(event.content()));
        return intake.upload(tenant, matterId, new DocumentUpload(file.filename(),
                        declared == null ? null : declared.toString(), content))
                // Refused before reading (a race with a seal): release the chunk already taken from the connection.
                .onErrorResume(error -> read.get() ? Mono.error(error)
                        : events.take(1).doOnNext(event -> DataBufferUtils.release(event.content()))
                                .then(Mono.error(error)));
    }

    Mono<ServerResponse> seal(ServerRequest request) {
        return intake.seal(Callers.of(request).tenant(), request.pathVariable("id"))
                .flatMap(sealed -> ServerResponse.status(sealStatus(sealed))
                        .location(matterUri(sealed.matterId()))
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(sealed));
    }

    Mono<ServerResponse> status(ServerRequest request) {
        return queries.status(Callers.of(request).tenant(), request.pathVariable("id"))
                .flatMap(status -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(status));
    }

    Mono<ServerResponse> cancel(ServerRequest request) {
        return lifecycle.cancel(Callers.of(request).tenant(), request.pathVariable("id"))
                .flatMap(status -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(status));
    }

    Mono<ServerResponse> delete(ServerRequest request) {
        return lifecycle.delete(Callers.of(request).tenant(), request.pathVariable("id"))
                .then(ServerResponse.noContent().build());
    }

    Mono<ServerResponse> archive(ServerRequest request) {
        return lifecycle.archive(Callers.of(request).tenant(), request.pathVariable("id"))
                .flatMap(archived -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(archived));
    }

    Mono<ServerResponse> list(ServerRequest request) {
        return Mono.defer(() -> queries.list(Callers.of(request).tenant(),
                        Paging.limit(request, listing), request.queryParam("cursor").orElse(null)))
                .flatMap(page -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(page));
    }

    /**
     * Streams the result. The service fails before the first byte when there is no result, and the response is not
     * committed before the first byte, so such a failure still becomes a problem response.
     */
    Mono<ServerResponse> result(ServerRequest request) {
        Flux<DataBuffer> body = queries.result(Callers.of(request).tenant(), request.pathVariable("id"))
                .map(DefaultDataBufferFactory.sharedInstance::wrap);
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).body(BodyInserters.fromDataBuffers(body));
    }

    private static HttpStatus sealStatus(SealView sealed) {
        // 202: sealing started the Matter's processing; 200: an earlier seal was completed, nothing new started.
        return sealed.resumed() ? HttpStatus.OK : HttpStatus.ACCEPTED;
    }

    private static URI matterUri(String matterId) {
        return URI.create("/v1/matters/" + matterId);
    }

    /** Copies the chunk out and releases it at once: the blob store may write it later, on another thread. */
    private static ByteBuffer toByteBuffer(DataBuffer buffer) {
        try {
            byte[] bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
            return ByteBuffer.wrap(bytes);
        } finally {
            DataBufferUtils.release(buffer);
        }
    }
}
