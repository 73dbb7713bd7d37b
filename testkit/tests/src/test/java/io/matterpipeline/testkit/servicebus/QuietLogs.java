package io.matterpipeline.testkit.servicebus;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Keeps SDK, Netty and Reactor debug chatter out of the test output (testkit has no logback-test.xml). */
final class QuietLogs {

    private QuietLogs() {
    }

    static void apply() {
        if (System.getenv("SERVICEBUS_TEST_VERBOSE") != null) {
            return;
        }
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
        for (String name : new String[] {"com.azure", "io.netty", "io.vertx", "reactor"}) {
            ((Logger) LoggerFactory.getLogger(name)).setLevel(Level.WARN);
        }
    }
}
