package io.matterpipeline.ingest.matter;

import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.bus.MessageBus;
import io.matterpipeline.config.PipelineProperties;
import io.matterpipeline.config.PropertyDefaults;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.error.NotFoundException;
import io.matterpipeline.ingest.IngestProperties;
import java.time.Clock;
import tools.jackson.databind.json.JsonMapper;

/**
 * What ingest does with Matters, by job: {@link MatterIntake} (create, add documents, seal), {@link MatterLifecycle}
 * (cancel, delete, archive) and {@link MatterQueries} (status, result, listing). Used by the HTTP API, the upstream
 * request queue, the Blob-upload trigger and, without HTTP, by the standalone command line. The three share one
 * manifest store, so they see the same Matters.
 *
 * <p>Every Matter belongs to a tenant, and every method takes the caller's tenant; a Matter of another tenant is
 * reported exactly like a missing one ({@code matter-not-found}). Callers without a tenant of their own (the trigger,
 * the command line) act for {@link IngestProperties#defaultTenant()}. Every method validates its arguments and
 * reports every failure inside the returned publisher as a {@link io.matterpipeline.error.PipelineException}.
 *
 * @param intake creating Matters, adding their documents and sealing them
 * @param lifecycle cancelling, deleting and archiving Matters
 * @param queries a Matter's status and result, and the tenant's Matters
 */
public record Matters(MatterIntake intake, MatterLifecycle lifecycle, MatterQueries queries) {

    /**
     * @param queues where {@code DocumentReceived} (documents), {@code MatterSealed} (results) and a cancellation's
     *     {@code MatterCompleted} (matters-completed) go
     */
    public static Matters create(BlobStore blobs, MessageBus bus, PipelineProperties.QueueNames queues,
            IngestProperties properties, Clock clock) {
        JsonMapper mapper = MessageCodec.mapper();
        ManifestStore manifests = new ManifestStore(blobs, mapper, properties.manifestUpdateAttempts(),
                properties.manifestUpdateBackoff());
        Cancellation cancellation = new Cancellation(blobs, mapper, properties.manifestUpdateAttempts(),
                properties.manifestUpdateBackoff());
        MatterPublisher publisher = new MatterPublisher(bus);
        MatterProgressReader progress = new MatterProgressReader(blobs, mapper);
        MatterQueries queries = new MatterQueries(blobs, manifests, progress, properties);
        return new Matters(
                new MatterIntake(blobs, manifests, publisher, queues, properties, clock),
                new MatterLifecycle(blobs, manifests, cancellation, progress, publisher, queries, queues, clock),
                queries);
    }

    /** {@link #create(BlobStore, MessageBus, PipelineProperties.QueueNames, IngestProperties, Clock)} with the
     *  default queue names (tests, tools). */
    public static Matters create(BlobStore blobs, MessageBus bus, IngestProperties properties, Clock clock) {
        return create(blobs, bus, PropertyDefaults.of(PipelineProperties.QueueNames.class), properties, clock);
    }

    static boolean isMatterNotFound(Throwable error) {
        return error instanceof NotFoundException missing && "matter-not-found".equals(missing.reason());
    }
}
