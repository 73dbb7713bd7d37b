package io.matterpipeline.extract.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.extract.ollama.OllamaClientOptions;
import io.matterpipeline.extract.ollama.OllamaModelClients;
import io.matterpipeline.model.ModelClient;
import io.matterpipeline.model.ModelFailures;
import io.matterpipeline.model.ModelLimits;
import io.matterpipeline.model.ModelMessage;
import io.matterpipeline.model.ModelReply;
import io.matterpipeline.model.ModelRequest;
import io.matterpipeline.testkit.ollama.OllamaFault;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import io.matterpipeline.testkit.ollama.OllamaSimulatorOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** The router over real Ollama clients and simulated replicas on loopback. */
class LeastLoadedRouterTests {

    static final Duration WAIT = Duration.ofSeconds(60);
    static final ModelRequest REQUEST = new ModelRequest(List.of(ModelMessage.user(
            "<page number=\"1\">\nCase No. 1:23-cv-04567\nACME CORP., Plaintiff.\n</page>")), null, "m/d/1");

    final List<OllamaSimulator> replicas = new ArrayList<>();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @AfterEach
    void stop() {
        replicas.forEach(OllamaSimulator::close);
    }

    OllamaSimulator replica(OllamaSimulatorOptions.Builder options) {
        OllamaSimulator simulator = OllamaSimulator.start(options.build());
        replicas.add(simulator);
        return simulator;
    }

    static RoutedEndpoint endpoint(String url, int slots) {
        return new RoutedEndpoint(url, OllamaModelClients.create(new OllamaClientOptions(url, "llama3.1:8b", 4096,
                1024, 0, 42, Duration.ofSeconds(20), slots, false)), slots);
    }

    static RoutingPolicy policy(int maxWaiting, Duration openDuration) {
        return new RoutingPolicy(maxWaiting, Duration.ofSeconds(30), 50, 10, 4, openDuration, 1, 0);
    }

    ModelRouter router(RoutingPolicy policy, RoutedEndpoint... endpoints) {
        return ModelRouter.create(List.of(endpoints), policy, meters);
    }

    /** {@code calls} calls at once; each outcome is a reply or the error it ended with. */
    static List<Object> fire(ModelRouter router, int calls) {
        return Flux.range(0, calls)
                .flatMap(i -> router.chat(REQUEST).<Object>map(Function.identity()).onErrorResume(Mono::just), calls)
                .collectList()
                .block(WAIT);
    }

    /**
     * The most calls a dead endpoint with {@code slots} slots can get in a run of {@code elapsed}: the router rests an
     * endpoint for a second after a failure while another can take the call, so it gets at most its slots at the start
     * and again after each rest. A run shorter than a second (the usual case) allows just the opening ones; a loaded
     * machine that stretches the run allows the later ones it would really make, instead of failing the test.
     */
    static long triesOfADeadEndpoint(Duration elapsed, int slots) {
        return slots * (1 + elapsed.toSeconds());
    }

    static Map<String, EndpointSnapshot> byName(ModelRouter router) {
        return router.endpoints().stream().collect(Collectors.toMap(EndpointSnapshot::name, Function.identity()));
    }

    @Test
    void callsBeyondTheSlotsWaitAndNoReplicaEverHasMoreThanItsSlots() {
        OllamaSimulator a = replica(OllamaSimulatorOptions.builder().slots(8).latency(Duration.ofMillis(30)));
        OllamaSimulator b = replica(OllamaSimulatorOptions.builder().slots(8).latency(Duration.ofMillis(30)));
        ModelRouter router = router(policy(1024, Duration.ofSeconds(10)), endpoint(a.baseUrl(), 2),
                endpoint(b.baseUrl(), 3));

        List<Object> outcomes = fire(router, 60);

        assertThat(outcomes).hasSize(60).allSatisfy(outcome -> assertThat(outcome).isInstanceOf(ModelReply.class));
        // The simulators allow 8 at once: only the router kept them at their configured 2 and 3.
        assertThat(a.stats().peakInFlight()).isEqualTo(2);
        assertThat(b.stats().peakInFlight()).isEqualTo(3);
        assertThat(a.stats().totalCalls() + b.stats().totalCalls()).isEqualTo(60);
        assertThat(a.stats().totalCalls()).isPositive();
        assertThat(b.stats().totalCalls()).isGreaterThan(a.stats().totalCalls());
        assertThat(byName(router).get(a.baseUrl()).peakInFlight()).isEqualTo(2);
        assertThat(byName(router).values()).allSatisfy(endpoint -> assertThat(endpoint.inFlight()).isZero());
        assertThat(meters.get("matterpipeline.model.calls").tag("endpoint", b.baseUrl()).tag("outcome", "success")
                .counter().count()).isEqualTo((double) b.stats().totalCalls());
        assertThat(meters.get("matterpipeline.model.latency").tag("endpoint", a.baseUrl())
                .tag("outcome", "success").timer().count())
                .isEqualTo(a.stats().totalCalls());
    }

    @Test
    void aSlotTakesTheNextCallWhileTheReplyOfTheLastIsStillBeingHandled() throws Exception {
        OllamaSimulator replica = replica(OllamaSimulatorOptions.builder().slots(4).latency(Duration.ofMillis(5)));
        ModelRouter router = router(policy(1024, Duration.ofSeconds(10)), endpoint(replica.baseUrl(), 1));
        CountDownLatch handling = new CountDownLatch(1);
        CountDownLatch handled = new CountDownLatch(1);
        // The first reply's handler (checking the answer, writing the extraction) holds its thread until the second
        // call has its reply: only a slot given back when the call ended, not when the handler did, lets that happen.
        CompletableFuture<ModelReply> first = router.chat(REQUEST)
                .doOnNext(reply -> {
                    handling.countDown();
                    try {
                        handled.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                })
                .toFuture();
        assertThat(handling.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

        ModelReply second = router.chat(REQUEST).block(WAIT);
        handled.countDown();

        assertThat(second).isNotNull();
        assertThat(first.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isNotNull();
        assertThat(replica.stats().peakInFlight()).isEqualTo(1);
        assertThat(byName(router).get(replica.baseUrl()).peakInFlight()).isEqualTo(1);
    }

    @Test
    void aSlotComesFreeWhenTheAnswerHasArrivedBeforeTheReplyIsHandedOn() {
        Sinks.One<ModelReply> handedOn = Sinks.one();
        AtomicInteger chats = new AtomicInteger();
        ModelReply reply = new ModelReply("{}", ModelReply.DoneReason.STOP, 1, 1, "m", Duration.ZERO, "a");
        // The first call's answer arrives (the client runs the hook) but its reply is not handed on yet; the others
        // answer at once.
        ModelClient client = new GatedWarmUp(endpoint("http://127.0.0.1:1", 1), Mono.empty()) {
            @Override
            public Mono<ModelReply> chat(ModelRequest request) {
                return Mono.deferContextual(context -> {
                    context.<Runnable>get(ModelClient.ANSWERED).run();
                    return chats.incrementAndGet() == 1 ? handedOn.asMono() : Mono.just(reply);
                });
            }
        };
        ModelRouter router = router(policy(1024, Duration.ofSeconds(10)), new RoutedEndpoint("a", client, 1));

        CompletableFuture<ModelReply> first = router.chat(REQUEST).toFuture();
        ModelReply second = router.chat(REQUEST).block(WAIT);

        assertThat(second).isSameAs(reply);
        assertThat(first).isNotDone();
        handedOn.tryEmitValue(reply);
        assertThat(first).succeedsWithin(WAIT);
        EndpointSnapshot endpoint = router.endpoints().get(0);
        assertThat(endpoint.peakInFlight()).isEqualTo(1);
        assertThat(endpoint.inFlight()).isZero();
        assertThat(endpoint.calls()).as("both outcomes counted once the replies came").isEqualTo(2);
        assertThat(meters.get("matterpipeline.model.calls").tag("endpoint", "a").tag("outcome", "success")
                .counter().count()).isEqualTo(2.0);
    }

    @Test
    void slowReplicaGetsFewerCallsThanTheFastOnes() throws Exception {
        OllamaSimulator fast = replica(OllamaSimulatorOptions.builder().slots(2).latency(Duration.ofMillis(5)));
        OllamaSimulator slow = replica(OllamaSimulatorOptions.builder().slots(2).latency(Duration.ofMillis(250)));
        // Slow without betting on a latency ratio (a loaded 2-core box can make the fast one slow too): the slow
        // replica answers nothing until the fast one has answered every call the router did not give the slow one.
        slow.faults().hold();
        ModelRouter router = router(policy(1024, Duration.ofSeconds(10)), endpoint(fast.baseUrl(), 2),
                endpoint(slow.baseUrl(), 2));

        // As the worker runs: as many calls at once as there are slots, each next one when one ends.
        CompletableFuture<List<Object>> running = Flux.range(0, 60)
                .flatMap(i -> router.chat(REQUEST), 4)
                .cast(Object.class)
                .collectList().toFuture();
        // The first four calls fill both replicas; all later ones find only the fast one free.
        await().atMost(WAIT).until(() -> fast.stats().calls(200) == 58);
        slow.faults().release();
        List<Object> outcomes = running.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(outcomes).hasSize(60);
        assertThat(slow.stats().totalCalls()).isPositive();
        assertThat(slow.stats().totalCalls() * 3).isLessThan(fast.stats().totalCalls());
        assertThat(slow.stats().totalCalls()).isEqualTo(2);
    }

    @Test
    void replicaThatIsDownIsTakenOutAndItsCallsGoToTheOthers() {
        OllamaSimulator up = replica(OllamaSimulatorOptions.builder().slots(4).latency(Duration.ofMillis(10)));
        OllamaSimulator down = replica(OllamaSimulatorOptions.builder().slots(4));
        String downUrl = down.baseUrl();
        down.close();
        ModelRouter router = router(policy(1024, Duration.ofMinutes(5)), endpoint(up.baseUrl(), 2),
                endpoint(downUrl, 2));

        // Four at once against two healthy slots: the dead replica is tried whenever the healthy one is full.
        long started = System.nanoTime();
        List<Object> outcomes = Flux.range(0, 40)
                .flatMap(i -> router.chat(REQUEST).<Object>map(Function.identity()).onErrorResume(Mono::just), 4)
                .collectList().block(WAIT);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);

        List<Object> failures = outcomes.stream().filter(Throwable.class::isInstance).toList();
        assertThat(failures).isNotEmpty().allSatisfy(failure ->
                assertThat(((PipelineException) failure).reason()).isEqualTo(ModelFailures.UNREACHABLE));
        // After a failure the dead replica rests while the healthy one can take the calls (waiting for its slots),
        // so it is tried at most once or twice in this short run; a longer outage opens its breaker (tested below).
        assertThat(byName(router).get(downUrl).calls()).isLessThanOrEqualTo(triesOfADeadEndpoint(elapsed, 2));
        assertThat(byName(router).get(up.baseUrl()).circuit()).isEqualTo("CLOSED");
        assertThat(up.stats().totalCalls()).isEqualTo(40 - failures.size());
        assertThat(meters.get("matterpipeline.model.calls").tag("endpoint", downUrl)
                .tag("reason", ModelFailures.UNREACHABLE).counter().count()).isEqualTo((double) failures.size());
    }

    @Test
    void aRetryAfterAFailureGoesToAHealthyReplicaEvenWhenTheFailedOneLooksIdle() {
        OllamaSimulator up = replica(OllamaSimulatorOptions.builder().slots(4).latency(Duration.ofMillis(10)));
        OllamaSimulator down = replica(OllamaSimulatorOptions.builder().slots(4));
        String downUrl = down.baseUrl();
        down.close();
        ModelRouter router = router(policy(1024, Duration.ofMinutes(5)), endpoint(downUrl, 2),
                endpoint(up.baseUrl(), 4));

        // Two at a time against four healthy slots, so the healthy replica is always partly busy but never full,
        // while a dead one, failing at once, always looks idle: by load alone the dead one would win every pick
        // until its breaker opens.
        long started = System.nanoTime();
        List<Object> outcomes = Flux.range(0, 20)
                .flatMap(i -> router.chat(REQUEST).<Object>map(Function.identity()).onErrorResume(Mono::just), 2)
                .collectList().block(WAIT);
        long bound = triesOfADeadEndpoint(Duration.ofNanos(System.nanoTime() - started), 2);

        // At most the two opening calls can reach it before its first failure is known (in a run under a second);
        // its breaker (4 calls) never needs to open then.
        long failures = outcomes.stream().filter(Throwable.class::isInstance).count();
        long downCalls = byName(router).get(downUrl).calls();
        assertThat(failures).isLessThanOrEqualTo(bound).isEqualTo(downCalls);
        assertThat(byName(router).get(downUrl).circuit()).isEqualTo(downCalls < 4 ? "CLOSED" : "OPEN");
        assertThat(up.stats().totalCalls()).isEqualTo(20 - failures);
    }

    @Test
    void openBreakerLetsAProbeThroughAfterItsOpenDurationAndClosesOnSuccess() throws InterruptedException {
        OllamaSimulator flaky = replica(OllamaSimulatorOptions.builder().slots(1));
        ModelRouter router = router(policy(1024, Duration.ofMillis(300)), endpoint(flaky.baseUrl(), 1));
        flaky.faults().injectNext(OllamaFault.SERVER_ERROR, 4);

        List<Object> failing = Flux.range(0, 5)
                .concatMap(i -> router.chat(REQUEST).<Object>map(Function.identity()).onErrorResume(Mono::just))
                .collectList().block(WAIT);

        assertThat(failing).allSatisfy(outcome -> assertThat(outcome).isInstanceOf(PipelineException.class));
        assertThat(((PipelineException) failing.get(4)).reason())
                .as("the fifth call is refused by the open breaker, not sent").isEqualTo(ModelFailures.UNREACHABLE);
        assertThat(flaky.stats().totalCalls()).isEqualTo(4);
        assertThat(router.endpoints().get(0).circuit()).isEqualTo("OPEN");

        // The replica recovered meanwhile; once the open duration passed, the next call is the probe.
        ModelReply reply = null;
        for (int i = 0; i < 100 && reply == null; i++) {
            Thread.sleep(50);
            reply = router.chat(REQUEST).onErrorResume(error -> Mono.empty()).block(WAIT);
        }
        assertThat(reply).isNotNull();
        assertThat(router.endpoints().get(0).circuit()).isEqualTo("CLOSED");
        assertThat(flaky.stats().totalCalls()).isEqualTo(5);
    }

    @Test
    void callsBeyondTheWaitingLimitAreRefusedAsBusy() {
        OllamaSimulator a = replica(OllamaSimulatorOptions.builder().slots(1).latency(Duration.ofMillis(300)));
        ModelRouter router = router(policy(2, Duration.ofSeconds(10)), endpoint(a.baseUrl(), 1));

        List<Object> outcomes = fire(router, 5);

        assertThat(outcomes.stream().filter(ModelReply.class::isInstance)).hasSize(3);
        assertThat(outcomes.stream().filter(Throwable.class::isInstance))
                .hasSize(2)
                .allSatisfy(error -> assertThat(((PipelineException) error).reason()).isEqualTo(ModelFailures.BUSY));
        assertThat(a.stats().totalCalls()).isEqualTo(3);
    }

    @Test
    void maxInFlightCapsTheCallsOnAllEndpointsTogether() throws Exception {
        OllamaSimulator a = replica(OllamaSimulatorOptions.builder().slots(8));
        OllamaSimulator b = replica(OllamaSimulatorOptions.builder().slots(8));
        a.faults().hold();
        b.faults().hold();
        ModelRouter router = router(policy(1024, Duration.ofSeconds(10)).withMaxInFlight(3), endpoint(a.baseUrl(), 4),
                endpoint(b.baseUrl(), 4));

        CompletableFuture<List<Object>> running = Flux.range(0, 10)
                .flatMap(i -> router.chat(REQUEST).<Object>map(Function.identity()), 10)
                .collectList().toFuture();
        // Eight slots, but three calls at most: the other seven wait in the router, none on a server.
        await().atMost(WAIT).until(() -> a.stats().inFlight() + b.stats().inFlight() == 3
                && meters.get("matterpipeline.model.waiting").gauge().value() == 7);
        a.faults().release();
        b.faults().release();
        List<Object> outcomes = running.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(outcomes).hasSize(10).allSatisfy(outcome -> assertThat(outcome).isInstanceOf(ModelReply.class));
        assertThat(a.stats().totalCalls() + b.stats().totalCalls()).isEqualTo(10);
        assertThat(a.stats().peakInFlight() + b.stats().peakInFlight()).isLessThanOrEqualTo(6);
        assertThat(a.stats().peakQueued() + b.stats().peakQueued()).isZero();
    }

    @Test
    void warmUpWarmsEveryEndpointAtOnceAndIgnoresOneThatFails() {
        Sinks.Empty<Void> warm = Sinks.empty();
        GatedWarmUp up = new GatedWarmUp(endpoint("http://127.0.0.1:1", 3), warm.asMono());
        GatedWarmUp down = new GatedWarmUp(endpoint("http://127.0.0.1:2", 2),
                Mono.error(new TransientException(ModelFailures.UNREACHABLE, "down")));
        ModelRouter router = router(RoutingPolicy.defaults(), up.endpoint(), down.endpoint());

        CompletableFuture<Void> warmedUp = router.warmUp().toFuture();

        await().atMost(WAIT).untilAsserted(() -> assertThat(down.warmUps).hasValue(1));
        assertThat(up.warmUps).hasValue(1);
        assertThat(warmedUp).as("waits for every endpoint").isNotDone();
        warm.tryEmitEmpty();
        assertThat(warmedUp).succeedsWithin(WAIT);
        assertThat(router.endpoints()).allSatisfy(endpoint -> {
            assertThat(endpoint.calls()).as("no chat call").isZero();
            assertThat(endpoint.circuit()).as("a failed warm-up is not a failed call").isEqualTo("CLOSED");
        });
    }

    /** An endpoint's client whose warm-up ends with {@code outcome}, counted. */
    static class GatedWarmUp implements ModelClient {
        final RoutedEndpoint routed;
        final Mono<Void> outcome;
        final AtomicInteger warmUps = new AtomicInteger();

        GatedWarmUp(RoutedEndpoint routed, Mono<Void> outcome) {
            this.routed = routed;
            this.outcome = outcome;
        }

        RoutedEndpoint endpoint() {
            return new RoutedEndpoint(routed.name(), this, routed.slots());
        }

        @Override
        public Mono<ModelReply> chat(ModelRequest request) {
            return routed.client().chat(request);
        }

        @Override
        public ModelLimits limits() {
            return routed.client().limits();
        }

        @Override
        public Mono<Void> probe() {
            return routed.client().probe();
        }

        @Override
        public Mono<Void> warmUp() {
            return Mono.defer(() -> {
                warmUps.incrementAndGet();
                return outcome;
            });
        }
    }

    @Test
    void endpointsPinningDifferentLimitsAreRefused() {
        RoutedEndpoint small = endpoint("http://127.0.0.1:1", 1);
        RoutedEndpoint large = new RoutedEndpoint("http://127.0.0.1:2", OllamaModelClients.create(
                new OllamaClientOptions("http://127.0.0.1:2", "m", 8192, 1024, 0, 42, Duration.ofSeconds(1), 1, false)),
                1);

        Throwable error = catchThrowable(() -> router(RoutingPolicy.defaults(), small, large));

        assertThat(error).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("same limits");
    }
}
