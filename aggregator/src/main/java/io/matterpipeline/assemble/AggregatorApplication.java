package io.matterpipeline.assemble;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/** Runs the aggregator on its own: consumes the results queue and writes Matter results. */
@SpringBootApplication
@Import(AggregatorConfiguration.class)
public class AggregatorApplication {

    public static void main(String[] args) {
        SpringApplication.run(AggregatorApplication.class, args);
    }
}
