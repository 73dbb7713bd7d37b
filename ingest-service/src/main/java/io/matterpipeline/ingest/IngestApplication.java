package io.matterpipeline.ingest;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/** Runs the ingest service on its own: the HTTP API over the configured blob store and message bus. */
@SpringBootApplication
@Import(IngestConfiguration.class)
public class IngestApplication {

    public static void main(String[] args) {
        SpringApplication.run(IngestApplication.class, args);
    }
}
