package io.matterpipeline.standalone;

import io.matterpipeline.assemble.AggregatorConfiguration;
import io.matterpipeline.extract.LlmWorkerConfiguration;
import io.matterpipeline.ingest.IngestConfiguration;
import io.matterpipeline.split.PageSplitterConfiguration;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The four services in one Spring context. They share the bus and blob store beans that common's
 * auto-configuration provides (in-memory bus and filesystem store unless configured otherwise), and nothing else:
 * each still talks to the others only through queues and blobs.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({IngestConfiguration.class, PageSplitterConfiguration.class, LlmWorkerConfiguration.class,
        AggregatorConfiguration.class})
class StandaloneApplication {
}
