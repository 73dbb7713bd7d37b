package io.matterpipeline.ingest.request;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.ConflictException;
import io.matterpipeline.error.NotFoundException;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.ingest.IngestProperties;
import io.matterpipeline.ingest.matter.MatterIntake;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Carries out one upstream request with the same {@link MatterIntake} the HTTP API uses, exactly once per
 * (tenant, requestId): a request already recorded at {@code BlobPaths.ingestRequest} is skipped; otherwise its effect
 * runs, then the record is written. Each effect is itself idempotent (create-if-absent, a document id derived from the
 * request id, an already-sealed Matter counts as sealed), so a crash between effect and record repeats nothing.
 *
 * <p>Permanent refusals (a sealed, cancelled or full Matter; a source outside the allowed prefixes) become bad input,
 * so the consumer dead-letters them at once instead of retrying what cannot succeed. A Matter that does not exist
 * (yet) is retried: without sessions the queue does not keep a producer's order.
 */
final class IngestRequestHandler {

    private static final Logger log = LoggerFactory.getLogger(IngestRequestHandler.class);
    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();

    private final MatterIntake matters;
    private final BlobStore blobs;
    private final IngestProperties.Requests settings;
    private final Clock clock;

    IngestRequestHandler(MatterIntake matters, BlobStore blobs, IngestProperties.Requests settings, Clock clock) {
        this.matters = matters;
        this.blobs = blobs;
        this.settings = settings;
        this.clock = clock;
    }

    Mono<Void> handle(IngestRequest request) {
        String recordPath = BlobPaths.ingestRequest(request.tenant(), request.requestId());
        return blobs.stat(recordPath)
                .hasElement()
                .flatMap(processed -> {
                    if (processed) {
                        log.info("Ingest request {} of tenant {} was processed before; skipped", request.requestId(),
                                request.tenant());
                        return Mono.empty();
                    }
                    return effect(request)
                            .onErrorMap(IngestRequestHandler::isPermanent, error -> new BadInputException(
                                    ((ConflictException) error).reason(), error.getMessage()))
                            // Requests may arrive out of order (several consumers, redeliveries): the create-matter
                            // request may still be on its way. Retried with backoff; dead-lettered when it never is.
                            .onErrorMap(IngestRequestHandler::isMatterMissing, error -> new TransientException(
                                    "matter-not-found", error.getMessage() + " (yet)", error))
                            .flatMap(outcome -> blobs.putBytes(recordPath, MessageCodec.mapper()
                                    .writeValueAsBytes(record(request, outcome)), PutCondition.none()))
                            .then();
                })
                .checkpoint("ingest request " + request.requestId());
    }

    /**
     * What a request given up on leaves behind: the document an {@code add-document} request named is recorded as
     * failed in its Matter with the reason (when the Matter exists, is this tenant's and still takes documents), so
     * the Matter ends PARTIAL when sealed instead of waiting for it. Other requests change nothing: a seal given up
     * on leaves the Matter open, since nothing else can say it is complete.
     */
    Mono<Void> giveUp(IngestRequest request, String reason, String description) {
        if (!IngestRequest.ADD_DOCUMENT.equals(request.action())) {
            return Mono.empty();
        }
        // Without a URL's query: a SAS token must not end up in the Matter's status.
        String source = request.source().replaceFirst("[?#].*$", "");
        String fileName = request.fileName() != null ? request.fileName() : source;
        return matters.recordFailedDocument(request.tenant(), request.matterId(), documentId(request), fileName,
                        reason, "add-document request " + request.requestId() + " (" + source + "): " + description)
                .doOnNext(recorded -> {
                    if (recorded) {
                        log.warn("Ingest request {} of tenant {} given up ({}): document {} of Matter {} recorded "
                                + "FAILED", request.requestId(), request.tenant(), reason, documentId(request),
                                request.matterId());
                    }
                })
                .then();
    }

    /** Emits what the request did: the document id for add-document, the action otherwise. */
    private Mono<String> effect(IngestRequest request) {
        return switch (request.action()) {
            case IngestRequest.CREATE_MATTER -> matters.createIfAbsent(request.tenant(), request.matterId(),
                    request.name()).thenReturn(request.action());
            case IngestRequest.ADD_DOCUMENT -> Mono.defer(() -> {
                String source = sourcePath(request.source());
                String documentId = documentId(request);
                return matters.copyDocument(request.tenant(), request.matterId(), documentId, source,
                        request.fileName(), request.contentType()).map(document -> document.documentId());
            });
            case IngestRequest.SEAL -> matters.seal(request.tenant(), request.matterId())
                    .thenReturn(request.action())
                    // Sealed before (by this request before a crash, or by anyone): the state asked for holds.
                    .onErrorResume(error -> error instanceof ConflictException conflict
                            && conflict.reason().equals("matter-already-sealed"),
                            sealed -> Mono.just("already-sealed"));
            default -> Mono.error(new BadInputException("invalid-request:action", "Unknown action "
                    + request.action()));
        };
    }

    /**
     * The blob path a request's {@code source} names: a path under one of the allowed prefixes, or a URL under the
     * configured container URL (its query, such as a SAS token, is ignored: the service reads with its own
     * credentials). Anything else could copy another tenant's documents or the service's own blobs into a Matter,
     * and is refused with {@code source-not-allowed}.
     */
    String sourcePath(String source) {
        String path = source;
        if (source.regionMatches(true, 0, "https://", 0, 8) || source.regionMatches(true, 0, "http://", 0, 7)) {
            if (settings.sourceUrlBase() == null) {
                throw notAllowed("source URLs are not accepted by this deployment; give a blob path under "
                        + settings.sourcePrefixes());
            }
            try {
                URI url = new URI(source);
                URI base = new URI(settings.sourceUrlBase().endsWith("/") ? settings.sourceUrlBase()
                        : settings.sourceUrlBase() + "/");
                if (!base.getScheme().equalsIgnoreCase(url.getScheme())
                        || !base.getHost().equalsIgnoreCase(url.getHost())
                        || base.getPort() != url.getPort() || url.getPath() == null
                        || !url.getPath().startsWith(base.getPath())) {
                    throw notAllowed("source is not under " + base);
                }
                path = url.getPath().substring(base.getPath().length());
            } catch (URISyntaxException e) {
                throw notAllowed("source is not a valid URL");
            }
        }
        if (!isSafePath(path)) {
            throw notAllowed("source must be a relative blob path without '.', '..' or empty segments");
        }
        String candidate = path;
        if (settings.sourcePrefixes().stream().noneMatch(candidate::startsWith)) {
            throw notAllowed("source must be under one of " + settings.sourcePrefixes());
        }
        return path;
    }

    private static boolean isSafePath(String path) {
        if (path.isEmpty() || path.startsWith("/") || path.endsWith("/") || path.indexOf('\\') >= 0
                || path.codePoints().anyMatch(Character::isISOControl)) {
            return false;
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    private static BadInputException notAllowed(String message) {
        return new BadInputException("source-not-allowed", message);
    }

    /** The document id of an add-document request: the same request always yields the same document. */
    static String documentId(IngestRequest request) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((request.tenant() + "\n" + request.matterId()
                    + "\n" + request.requestId()).getBytes(StandardCharsets.UTF_8));
            char[] chars = new char[20];
            for (int i = 0; i < chars.length; i++) {
                chars[i] = ALPHABET[(digest[i] & 0xff) % ALPHABET.length];
            }
            return "d-" + new String(chars);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private Map<String, Object> record(IngestRequest request, String outcome) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("requestId", request.requestId());
        record.put("tenant", request.tenant());
        record.put("action", request.action());
        record.put("matterId", request.matterId());
        record.put("outcome", outcome);
        record.put("processedAt", clock.instant().toString());
        return record;
    }

    private static boolean isMatterMissing(Throwable error) {
        return error instanceof NotFoundException missing && missing.reason().equals("matter-not-found");
    }

    private static boolean isPermanent(Throwable error) {
        return error instanceof ConflictException conflict && !conflict.reason().equals("precondition-failed");
    }
}
