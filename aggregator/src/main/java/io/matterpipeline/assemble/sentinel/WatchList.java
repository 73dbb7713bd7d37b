package io.matterpipeline.assemble.sentinel;

import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.blob.VersionedJson;
import io.matterpipeline.contract.MessageCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The sealed Matters the aggregator has not finished: one small blob each under {@link BlobPaths#watchPrefix()},
 * added when a seal is recorded and removed when the Matter is final. Only the aggregator writes them.
 */
public final class WatchList {

    private static final VersionedJson.RetryPolicy RACES = new VersionedJson.RetryPolicy(10, Duration.ofMillis(5),
            Duration.ofMillis(200), 0.5);

    private final BlobStore store;
    private final VersionedJson<WatchEntry> entries;

    public WatchList(BlobStore store) {
        this.store = store;
        this.entries = VersionedJson.of(store, MessageCodec.mapper(), WatchEntry.class, "watch", RACES);
    }

    /** Puts the Matter on the list; a Matter already on it keeps its entry. */
    public Mono<Void> add(String matterId, Instant sealedAt) {
        return store.putBytes(BlobPaths.watch(matterId), MessageCodec.mapper().writeValueAsBytes(
                        new WatchEntry(matterId, sealedAt, 0, null)), PutCondition.ifAbsent())
                .then()
                .onErrorResume(PutCondition::refused, alreadyListed -> Mono.empty());
    }

    /** Takes the Matter off the list. */
    public Mono<Void> remove(String matterId) {
        return store.deleteAll(List.of(BlobPaths.watch(matterId))).then();
    }

    /** The Matters on the list, by path. */
    Flux<String> matterIds() {
        return store.list(BlobPaths.watchPrefix())
                .map(blob -> blob.path().substring(BlobPaths.watchPrefix().length()))
                .filter(name -> name.endsWith(".json"))
                .map(name -> name.substring(0, name.length() - ".json".length()));
    }

    /** Changes a Matter's entry; empty when it is not on the list. */
    Mono<WatchEntry> update(String matterId, UnaryOperator<WatchEntry> change) {
        String path = BlobPaths.watch(matterId);
        return store.stat(path).flatMap(exists -> entries.update(path,
                () -> new WatchEntry(matterId, Instant.EPOCH, 0, null), change));
    }
}
