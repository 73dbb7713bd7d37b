package io.matterpipeline.extract;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/** Runs the llm-worker on its own: consumes PageTasks, reads each page with the model, publishes the outcome. */
@SpringBootApplication
@Import(LlmWorkerConfiguration.class)
public class LlmWorkerApplication {

    public static void main(String[] args) {
        SpringApplication.run(LlmWorkerApplication.class, args);
    }
}
