package io.matterpipeline.extract;

import io.matterpipeline.model.ModelClient;
import io.matterpipeline.model.ModelLimits;
import io.matterpipeline.model.ModelReply;
import io.matterpipeline.model.ModelRequest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/** A model that answers from a script, one entry per call, and remembers every request. */
final class ScriptedModel implements ModelClient {

    private final ModelLimits limits;
    private final Deque<Function<ModelRequest, Mono<ModelReply>>> script = new ArrayDeque<>();
    final List<ModelRequest> requests = new ArrayList<>();

    ScriptedModel(ModelLimits limits) {
        this.limits = limits;
    }

    ScriptedModel then(Function<ModelRequest, Mono<ModelReply>> step) {
        script.add(step);
        return this;
    }

    ScriptedModel thenAnswer(String content) {
        return then(request -> Mono.just(reply(content, ModelReply.DoneReason.STOP, 100)));
    }

    ScriptedModel thenFail(RuntimeException error) {
        return then(request -> Mono.error(error));
    }

    static ModelReply reply(String content, ModelReply.DoneReason reason, long promptTokens) {
        return new ModelReply(content, reason, promptTokens, 50, "scripted", Duration.ofMillis(7), "scripted://");
    }

    @Override
    public synchronized Mono<ModelReply> chat(ModelRequest request) {
        requests.add(request);
        Function<ModelRequest, Mono<ModelReply>> step = script.poll();
        if (step == null) {
            return Mono.error(new AssertionError("unexpected model call " + requests.size()));
        }
        return step.apply(request);
    }

    @Override
    public ModelLimits limits() {
        return limits;
    }

    @Override
    public Mono<Void> probe() {
        return Mono.empty();
    }
}
