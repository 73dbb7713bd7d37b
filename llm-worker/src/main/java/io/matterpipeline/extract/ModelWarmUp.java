package io.matterpipeline.extract;

import io.matterpipeline.extract.route.ModelRouter;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;

/**
 * Warms the model endpoints up when the worker starts ({@link ModelRouter#warmUp()}), in the background: the first
 * pages then find the endpoints' connections open and the HTTP client's code loaded, instead of paying for both
 * inside their model slots (on a cold worker the first wave of calls took seconds longer than the model did).
 */
final class ModelWarmUp implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ModelWarmUp.class);
    /** A warm-up still running after this long is given up: its only purpose is the first calls. */
    private static final Duration LIMIT = Duration.ofSeconds(30);

    private final ModelRouter router;
    private volatile Disposable running;

    ModelWarmUp(ModelRouter router) {
        this.router = router;
    }

    @Override
    public synchronized void start() {
        if (running == null) {
            long started = System.nanoTime();
            running = router.warmUp()
                    .timeout(LIMIT)
                    .subscribe(ignored -> { }, error -> log.debug("Model endpoints warm-up ended: {}", error.toString()),
                            () -> log.debug("Model endpoints warmed up in {} ms",
                                    (System.nanoTime() - started) / 1_000_000));
        }
    }

    @Override
    public synchronized void stop() {
        if (running != null) {
            running.dispose();
            running = null;
        }
    }

    @Override
    public boolean isRunning() {
        return running != null;
    }
}
