package io.matterpipeline.split;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/** Runs the page-splitter on its own: consumes DocumentReceived, publishes PageTasks and DocumentSplit. */
@SpringBootApplication
@Import(PageSplitterConfiguration.class)
public class PageSplitterApplication {

    public static void main(String[] args) {
        SpringApplication.run(PageSplitterApplication.class, args);
    }
}
