package io.matterpipeline.ingest;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * Runs the ingest service on its own: the HTTP API over the configured blob store and message bus. No component
 * scanning: every bean comes from {@link IngestConfiguration}, exactly as in the standalone jar (a scan would also pick
 * up nested configuration classes on their own, outside their enclosing class's conditions).
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(IngestConfiguration.class)
public class IngestApplication {

    public static void main(String[] args) {
        SpringApplication.run(IngestApplication.class, args);
    }
}
