package io.matterpipeline.bus.kafka;

import java.util.List;

/** How a queue maps onto topics: the queue's own, where abandoned records wait, where dead letters go. */
final class Topics {

    static final String RETRY_SUFFIX = ".retry";
    static final String DEAD_LETTER_SUFFIX = ".DLT";

    private Topics() {
    }

    static String retry(String queue) {
        return queue + RETRY_SUFFIX;
    }

    static String deadLetter(String queue) {
        return queue + DEAD_LETTER_SUFFIX;
    }

    /** The topics a consumer of the queue reads: new records and records due for redelivery. */
    static List<String> consumed(String queue) {
        return List.of(queue, retry(queue));
    }

    static List<String> all(String queue) {
        return List.of(queue, retry(queue), deadLetter(queue));
    }
}
