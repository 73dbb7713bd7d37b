package io.matterpipeline.split;

import io.matterpipeline.config.PipelineProperties;
import io.matterpipeline.contract.Queues;

/**
 * The queues the page-splitter reads and writes.
 *
 * @param documents DocumentReceived, consumed
 * @param pages PageTask, published
 * @param results DocumentSplit and DocumentFailed, published
 */
record SplitterQueues(String documents, String pages, String results) {

    static SplitterQueues defaults() {
        return new SplitterQueues(Queues.DOCUMENTS, Queues.PAGES, Queues.RESULTS);
    }

    static SplitterQueues of(PipelineProperties.QueueNames names) {
        return new SplitterQueues(names.documents(), names.pages(), names.results());
    }
}
