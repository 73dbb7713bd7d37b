package io.matterpipeline.blob;

import io.matterpipeline.error.PoisonException;
import io.matterpipeline.error.TransientException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import reactor.util.retry.RetryBackoffSpec;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON documents of one type kept in blobs and changed by optimistic concurrency, the one implementation of the
 * read-ETag, apply, conditional-write loop: read the blob with its ETag, apply a pure change, write the result with
 * {@code If-Match} (or {@code If-None-Match: *} when the blob did not exist). A lost race
 * ({@link PutCondition#refused}) reads and applies again after a jittered, exponentially growing, bounded delay; when the races are lost
 * {@link RetryPolicy#retries()} times in a row, the update fails with a {@link TransientException} with reason
 * {@code <name>-contention} ("try again later": HTTP 503 at the API, a later redelivery on a queue). A change that
 * returns an equal value writes nothing, so a repeated fact costs one read. Each lost race counts one
 * {@code matterpipeline.cas.conflicts} (tag {@code blob} = the name).
 *
 * <p>An unreadable blob fails with a {@link PoisonException} with reason {@code corrupt-<name>}. Exceptions the change
 * or the initial value throw end the update unretried.
 *
 * @param <T> the document type; a record or another type with value equality
 */
public final class VersionedJson<T> {

    private final BlobStore store;
    private final JsonMapper mapper;
    private final Class<T> type;
    private final String name;
    private final RetryBackoffSpec retry;

    private VersionedJson(BlobStore store, JsonMapper mapper, Class<T> type, String name, RetryPolicy policy,
            MeterRegistry meters) {
        this.store = Objects.requireNonNull(store, "store");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.type = Objects.requireNonNull(type, "type");
        this.name = Objects.requireNonNull(name, "name");
        this.retry = Retry.backoff(policy.retries(), policy.firstBackoff())
                .maxBackoff(policy.maxBackoff())
                .jitter(policy.jitter())
                .filter(lostRace(Counter.builder("matterpipeline.cas.conflicts")
                        .description("Conditional blob writes refused because another writer was first")
                        .tag("blob", name).register(meters)))
                .onRetryExhaustedThrow((spec, signal) -> new TransientException(name + "-contention",
                        "Gave up changing a " + name + " blob after " + signal.totalRetries()
                                + " lost races with other writers; try again", signal.failure()));
    }

    /**
     * Documents of {@code type} in {@code store}.
     *
     * @param name what the documents are ({@code progress}, {@code manifest}): the failure reasons are
     *     {@code <name>-contention} and {@code corrupt-<name>}
     */
    public static <T> VersionedJson<T> of(BlobStore store, JsonMapper mapper, Class<T> type, String name,
            RetryPolicy policy) {
        return of(store, mapper, type, name, policy, Metrics.globalRegistry);
    }

    /** As {@link #of(BlobStore, JsonMapper, Class, String, RetryPolicy)}, counting lost races in {@code meters}. */
    public static <T> VersionedJson<T> of(BlobStore store, JsonMapper mapper, Class<T> type, String name,
            RetryPolicy policy, MeterRegistry meters) {
        return new VersionedJson<>(store, mapper, type, name, policy, Objects.requireNonNull(meters, "meters"));
    }

    private static Predicate<Throwable> lostRace(Counter conflicts) {
        return error -> {
            boolean lost = PutCondition.refused(error);
            if (lost) {
                conflicts.increment();
            }
            return lost;
        };
    }

    /** The document with the ETag it was read at, or empty when the blob does not exist. */
    public Mono<Versioned<T>> read(String path) {
        return store.read(path).map(content -> new Versioned<>(decode(path, content.bytes()), content.etag()));
    }

    /** Writes a new document; fails with a conflict ({@link PutCondition#refused}) when the blob exists. */
    public Mono<T> create(String path, T value) {
        return Mono.fromCallable(() -> mapper.writeValueAsBytes(value))
                .flatMap(bytes -> store.putBytes(path, bytes, PutCondition.ifAbsent()))
                .thenReturn(value);
    }

    /**
     * Applies {@code change} to the stored document, or to {@code initial} when there is none, and writes the result
     * if nobody wrote in between, retrying lost races; emits the document as stored afterwards.
     *
     * @param initial the document before the first change (it may throw, for example a not-found, to refuse a
     *     missing blob)
     * @param change a pure function; called again after a lost race, with the other writer's document
     */
    public Mono<T> update(String path, Supplier<T> initial, UnaryOperator<T> change) {
        return Mono.defer(() -> read(path)
                        .switchIfEmpty(Mono.fromSupplier(() -> new Versioned<>(initial.get(), null)))
                        .flatMap(current -> write(path, current, change.apply(current.value()))))
                .retryWhen(retry)
                .checkpoint("update " + path);
    }

    private Mono<T> write(String path, Versioned<T> current, T next) {
        if (current.etag() != null && next.equals(current.value())) {
            return Mono.just(next);
        }
        PutCondition condition = current.etag() == null
                ? PutCondition.ifAbsent()
                : PutCondition.ifMatch(current.etag());
        return Mono.fromCallable(() -> mapper.writeValueAsBytes(next))
                .flatMap(bytes -> store.putBytes(path, bytes, condition))
                .thenReturn(next);
    }

    private T decode(String path, byte[] bytes) {
        try {
            return mapper.readValue(bytes, type);
        } catch (JacksonException e) {
            throw new PoisonException("corrupt-" + name, "The " + name + " blob " + path + " is not readable: "
                    + e.getOriginalMessage(), e);
        }
    }

    /**
     * A document as read, with the ETag a conditional write must match.
     *
     * @param etag null for a document that is not stored yet
     */
    public record Versioned<T>(T value, String etag) {
    }

    /**
     * How lost races are retried: a value, shared by every update of a store.
     *
     * @param retries lost races retried per update before it fails with {@code <name>-contention}
     * @param firstBackoff the first delay; each next one doubles, up to {@code maxBackoff}
     * @param maxBackoff the longest delay
     * @param jitter random share (0..1) of each delay, so racing writers spread out
     */
    public record RetryPolicy(int retries, Duration firstBackoff, Duration maxBackoff, double jitter) {

        public RetryPolicy {
            if (retries < 0) {
                throw new IllegalArgumentException("retries must be >= 0");
            }
            if (jitter < 0 || jitter > 1) {
                throw new IllegalArgumentException("jitter must be in 0..1");
            }
            Objects.requireNonNull(firstBackoff, "firstBackoff");
            Objects.requireNonNull(maxBackoff, "maxBackoff");
        }
    }
}
