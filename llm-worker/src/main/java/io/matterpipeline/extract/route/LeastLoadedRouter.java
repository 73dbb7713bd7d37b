package io.matterpipeline.extract.route;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.TransientException;
import io.matterpipeline.model.ModelClient;
import io.matterpipeline.model.ModelFailures;
import io.matterpipeline.model.ModelLimits;
import io.matterpipeline.model.ModelReply;
import io.matterpipeline.model.ModelRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * {@link ModelRouter} that sends each call to the endpoint with the lowest share of its slots in use.
 *
 * <p>Slot accounting and the breaker permission are taken together, under one lock, when a call is admitted: the
 * choice of endpoint must see every other choice, and a half-open breaker must hand out its few probe permissions to
 * calls that really go there. That is why the breakers are driven through resilience4j's permission API here rather
 * than wrapped around the call with its Reactor operator, which would ask for permission only after the endpoint was
 * chosen. Completing waiting calls happens outside the lock.
 */
final class LeastLoadedRouter implements ModelRouter {

    private static final Logger log = LoggerFactory.getLogger(LeastLoadedRouter.class);

    private final Lane[] lanes;
    private final RoutingPolicy policy;
    private final ModelLimits limits;
    private final ArrayDeque<Ticket> waiting = new ArrayDeque<>();
    /** Calls in flight on all endpoints together; at most {@link RoutingPolicy#maxInFlight()} when that is set. */
    private int inFlight;
    private long picks;

    LeastLoadedRouter(List<RoutedEndpoint> endpoints, RoutingPolicy policy, MeterRegistry meters) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("a model router needs at least one endpoint");
        }
        this.policy = policy;
        this.limits = endpoints.get(0).client().limits();
        CircuitBreakerConfig breakers = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(policy.slidingWindowSize())
                .minimumNumberOfCalls(policy.minimumCalls())
                .failureRateThreshold(policy.failureRateThreshold())
                .waitDurationInOpenState(policy.openDuration())
                .permittedNumberOfCallsInHalfOpenState(policy.halfOpenCalls())
                .build();
        this.lanes = new Lane[endpoints.size()];
        var names = new HashSet<String>();
        for (int i = 0; i < lanes.length; i++) {
            RoutedEndpoint endpoint = endpoints.get(i);
            if (!names.add(endpoint.name())) {
                throw new IllegalArgumentException("two model endpoints are named " + endpoint.name());
            }
            if (!endpoint.client().limits().equals(limits)) {
                throw new IllegalArgumentException("endpoint " + endpoint.name() + " pins " + endpoint.client().limits()
                        + " but " + endpoints.get(0).name() + " pins " + limits + "; all must pin the same limits");
            }
            lanes[i] = new Lane(endpoint, CircuitBreaker.of(endpoint.name(), breakers), meters);
        }
        Gauge.builder("matterpipeline.model.waiting", this, LeastLoadedRouter::waitingCount)
                .description("Model calls waiting for a free endpoint slot")
                .register(meters);
    }

    @Override
    public Mono<ModelReply> chat(ModelRequest request) {
        return Mono.defer(() -> {
            Ticket ticket = new Ticket();
            // The slot is given back as soon as a successful answer has arrived (the client runs the ANSWERED hook on
            // its event loop, before it hands the reply on to another thread), or else when the call has its outcome
            // (a failure is counted first, so that the next call can rest the endpoint that failed):
            // neither the hop nor what the caller does with the reply (checking the answer, writing the
            // extraction) may keep a model slot idle. doFinally covers a cancel.
            return admit(ticket)
                    .flatMap(lane -> call(lane, ticket, request))
                    .doOnTerminate(() -> release(ticket))
                    .doFinally(signal -> release(ticket))
                    .contextWrite(context -> context.put(ModelClient.ANSWERED, (Runnable) () -> answered(ticket)));
        });
    }

    @Override
    public ModelLimits limits() {
        return limits;
    }

    /** Completes when any endpoint answers its probe. */
    @Override
    public Mono<Void> probe() {
        return Flux.fromArray(lanes)
                .flatMap(lane -> lane.client.probe().thenReturn(true).onErrorReturn(false))
                .any(Boolean::booleanValue)
                .flatMap(any -> any ? Mono.<Void>empty() : Mono.error(new TransientException(ModelFailures.UNREACHABLE,
                        "None of the " + lanes.length + " model endpoints answers")));
    }

    @Override
    public Mono<Void> warmUp() {
        return Flux.fromArray(lanes)
                .flatMap(lane -> lane.client.warmUp().onErrorResume(error -> Mono.empty()))
                .then();
    }

    @Override
    public synchronized List<EndpointSnapshot> endpoints() {
        List<EndpointSnapshot> snapshots = new ArrayList<>(lanes.length);
        long now = System.nanoTime();
        Instant wallNow = Instant.now();
        for (Lane lane : lanes) {
            snapshots.add(new EndpointSnapshot(lane.name, lane.slots, lane.inFlight, lane.peakInFlight,
                    lane.calls.get(), lane.failures.get(), lane.breaker.getState().name(),
                    Duration.ofNanos(lane.busyNanos + lane.inFlight * now - lane.grantedAtSum),
                    lane.granted ? wallNow.minusNanos(now - lane.firstGrantNanos) : null,
                    lane.released ? wallNow.minusNanos(now - lane.lastReleaseNanos) : null));
        }
        return snapshots;
    }

    // ---- admission -------------------------------------------------------------------------------------------

    private Mono<Lane> admit(Ticket ticket) {
        return Mono.<Lane>create(sink -> {
                    sink.onCancel(() -> release(ticket));
                    boolean full;
                    synchronized (this) {
                        if (ticket.state != State.NEW) {
                            return; // cancelled before it got here
                        }
                        full = waiting.size() >= Math.max(1, policy.maxWaiting());
                        if (full) {
                            ticket.state = State.RELEASED;
                        } else {
                            ticket.state = State.QUEUED;
                            ticket.sink = sink;
                            waiting.addLast(ticket);
                        }
                    }
                    if (full) {
                        sink.error(new NoEndpointException(ModelFailures.BUSY, waitingCount()
                                + " model calls already wait for a free slot on " + lanes.length + " endpoint(s)"));
                    } else {
                        dispatch();
                    }
                })
                .timeout(policy.maxWait(), Mono.error(() -> new NoEndpointException(ModelFailures.BUSY,
                        "No model endpoint slot came free within " + policy.maxWait())));
    }

    /** Hands free slots to waiting calls, oldest first; refuses them all when every endpoint is out. */
    private void dispatch() {
        List<MonoSink<Lane>> grantedSinks = new ArrayList<>();
        List<Lane> grantedLanes = new ArrayList<>();
        List<MonoSink<Lane>> refused = new ArrayList<>();
        synchronized (this) {
            while (!waiting.isEmpty()) {
                Lane lane = pick();
                if (lane == null) {
                    if (allOpen()) {
                        for (Ticket ticket : waiting) {
                            ticket.state = State.RELEASED;
                            refused.add(ticket.sink);
                            ticket.sink = null;
                        }
                        waiting.clear();
                    }
                    break;
                }
                Ticket ticket = waiting.pollFirst();
                ticket.state = State.GRANTED;
                ticket.lane = lane;
                ticket.grantedAt = System.nanoTime();
                lane.grantedAtSum += ticket.grantedAt;
                if (!lane.granted) {
                    lane.granted = true;
                    lane.firstGrantNanos = ticket.grantedAt;
                }
                lane.inFlight++;
                inFlight++;
                lane.peakInFlight = Math.max(lane.peakInFlight, lane.inFlight);
                grantedSinks.add(ticket.sink);
                grantedLanes.add(lane);
                ticket.sink = null;
            }
        }
        for (int i = 0; i < grantedSinks.size(); i++) {
            // A call cancelled meanwhile has released its slot already; its sink ignores the value.
            grantedSinks.get(i).success(grantedLanes.get(i));
        }
        for (MonoSink<Lane> sink : refused) {
            sink.error(new NoEndpointException(ModelFailures.UNREACHABLE, "Every one of the " + lanes.length
                    + " model endpoints is out (circuit breaker open) after repeated failures"));
        }
    }

    /**
     * The endpoint with a free slot whose breaker lets a call through: healthy endpoints first, then the lowest share
     * of slots in use, then fewer consecutive failures (so a retry avoids the endpoint that just failed), then round
     * robin.
     */
    /** How long an endpoint whose last call failed is passed over while another endpoint can take the call. */
    private static final long REST_NANOS = TimeUnit.SECONDS.toNanos(1);

    private Lane pick() {
        if (policy.maxInFlight() > 0 && inFlight >= policy.maxInFlight()) {
            return null;
        }
        long refusedMark = ++picks;
        long now = System.nanoTime();
        // An endpoint whose last call failed rests for a moment while another one is available, even if that one is
        // busy right now: a call waits for a healthy slot rather than being sent where it just failed (a dead
        // replica fails at once and would otherwise take every retry until its breaker opens).
        boolean anyRested = false;
        for (Lane lane : lanes) {
            anyRested |= !lane.resting(now) && lane.breaker.getState() != CircuitBreaker.State.OPEN;
        }
        for (int round = 0; round < lanes.length; round++) {
            Lane best = null;
            for (Lane lane : lanes) {
                if (lane.inFlight < lane.slots && lane.refusedAt != refusedMark
                        && !(anyRested && lane.resting(now))
                        && (best == null || lane.betterThan(best))) {
                    best = lane;
                }
            }
            if (best == null) {
                return null;
            }
            // CLOSED: always; OPEN: only once openDuration passed (it turns HALF_OPEN); HALF_OPEN: its probes.
            if (best.breaker.tryAcquirePermission()) {
                best.lastPicked = refusedMark;
                return best;
            }
            best.refusedAt = refusedMark;
        }
        return null;
    }

    private boolean allOpen() {
        for (Lane lane : lanes) {
            CircuitBreaker.State state = lane.breaker.getState();
            if (state != CircuitBreaker.State.OPEN && state != CircuitBreaker.State.FORCED_OPEN) {
                return false;
            }
        }
        return true;
    }

    /** The answer of {@code ticket}'s call has arrived: its slot is given back (its outcome is still to come). */
    private void answered(Ticket ticket) {
        synchronized (this) {
            if (ticket.state != State.GRANTED) {
                return;
            }
            ticket.state = State.ANSWERED;
            freeSlot(ticket);
        }
        dispatch();
    }

    /** Gives back the queue place or the slot of {@code ticket}, and its breaker permission if unused; idempotent. */
    private void release(Ticket ticket) {
        Lane lane;
        boolean slotFreed;
        synchronized (this) {
            State was = ticket.state;
            ticket.state = State.RELEASED;
            if (was == State.QUEUED) {
                waiting.remove(ticket);
                ticket.sink = null;
                return;
            }
            if (was != State.GRANTED && was != State.ANSWERED) {
                return;
            }
            lane = ticket.lane;
            slotFreed = was == State.GRANTED;
            if (slotFreed) {
                freeSlot(ticket);
            }
        }
        if (ticket.settled.compareAndSet(false, true)) {
            // Granted but cancelled before an outcome: the permission is handed back without counting.
            lane.breaker.releasePermission();
        }
        if (slotFreed) {
            dispatch();
        }
    }

    /** Slot accounting of a call that gives its slot back; under the router's lock. */
    private void freeSlot(Ticket ticket) {
        Lane lane = ticket.lane;
        lane.inFlight--;
        inFlight--;
        lane.grantedAtSum -= ticket.grantedAt;
        lane.lastReleaseNanos = System.nanoTime();
        lane.released = true;
        lane.busyNanos += lane.lastReleaseNanos - ticket.grantedAt;
    }

    private synchronized int waitingCount() {
        return waiting.size();
    }

    // ---- the call ----------------------------------------------------------------------------------------------

    private Mono<ModelReply> call(Lane lane, Ticket ticket, ModelRequest request) {
        long start = System.nanoTime();
        return lane.client.chat(request)
                .doOnSuccess(reply -> lane.succeeded(ticket, System.nanoTime() - start))
                .doOnError(error -> lane.failed(ticket, error, System.nanoTime() - start));
    }

    /** Whether a failure says something about the endpoint's health (not about the request). */
    private static boolean countsAgainstEndpoint(Throwable error) {
        if (error instanceof PipelineException pipeline) {
            return pipeline.kind() == PipelineException.Kind.TRANSIENT
                    || ModelFailures.MODEL_NOT_FOUND.equals(pipeline.reason());
        }
        return true;
    }

    private static String reasonOf(Throwable error) {
        return error instanceof PipelineException pipeline ? pipeline.reason() : error.getClass().getSimpleName();
    }

    /** ANSWERED: the answer arrived and the slot is given back, the outcome (and the breaker's count) still to come. */
    private enum State { NEW, QUEUED, GRANTED, ANSWERED, RELEASED }

    /** One call's claim on a slot; its state is guarded by the router's lock. */
    private static final class Ticket {
        State state = State.NEW;
        MonoSink<Lane> sink;
        Lane lane;
        long grantedAt;
        final AtomicBoolean settled = new AtomicBoolean();
    }

    /** One endpoint: its client, slots, breaker and meters. Counts are guarded by the router's lock. */
    private final class Lane {

        final String name;
        final ModelClient client;
        final int slots;
        final CircuitBreaker breaker;
        volatile int inFlight;
        int peakInFlight;
        /** Slot time of the calls that ended, and the grant times of those in flight (for the ones still running). */
        long busyNanos;
        long grantedAtSum;
        /** When the first call got a slot and the latest gave one back (System.nanoTime), once there were such. */
        boolean granted;
        long firstGrantNanos;
        boolean released;
        long lastReleaseNanos;
        int consecutiveFailures;
        long lastFailureNanos;
        long lastPicked;
        long refusedAt;
        final AtomicLong calls = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        private final MeterRegistry meters;
        private final Timer succeededLatency;
        private final Timer failedLatency;
        private final Counter succeededCalls;
        private final Map<String, Counter> failedCalls = new ConcurrentHashMap<>();

        Lane(RoutedEndpoint endpoint, CircuitBreaker breaker, MeterRegistry meters) {
            this.name = endpoint.name();
            this.client = endpoint.client();
            this.slots = endpoint.slots();
            this.breaker = breaker;
            this.meters = meters;
            this.succeededLatency = latency("success");
            this.failedLatency = latency("failure");
            this.succeededCalls = callCounter("success", "none");
            Gauge.builder("matterpipeline.model.in.flight", this, lane -> lane.inFlight)
                    .description("Model calls in flight on the endpoint").tag("endpoint", name).register(meters);
            Gauge.builder("matterpipeline.model.slots", this, lane -> lane.slots)
                    .description("Slots of the endpoint").tag("endpoint", name).register(meters);
            Gauge.builder("matterpipeline.model.circuit.state", breaker, LeastLoadedRouter::stateValue)
                    .description("Circuit breaker of the endpoint: 0 closed, 1 half-open, 2 open")
                    .tag("endpoint", name).register(meters);
            breaker.getEventPublisher().onStateTransition(event -> log.warn("Model endpoint {}: circuit {}", name,
                    event.getStateTransition()));
        }

        private Timer latency(String outcome) {
            return Timer.builder("matterpipeline.model.latency").description("Model call time on the endpoint")
                    .tag("endpoint", name).tag("outcome", outcome)
                    .publishPercentiles(0.5, 0.95, 0.99)
                    .register(meters);
        }

        private Counter callCounter(String outcome, String reason) {
            return Counter.builder("matterpipeline.model.calls").description("Model calls that ended on the endpoint")
                    .tag("endpoint", name).tag("outcome", outcome).tag("reason", reason)
                    .register(meters);
        }

        /** Whether the endpoint failed so recently that calls should go elsewhere while they can. */
        boolean resting(long now) {
            return consecutiveFailures > 0 && now - lastFailureNanos < REST_NANOS;
        }

        /**
         * A healthy endpoint (its last call did not fail) before a failing one; then the lower share of slots in use;
         * then fewer consecutive failures; then picked longer ago. Health comes first because a dead endpoint fails
         * at once and so always looks idle: by load alone it would win every retry until its breaker opens.
         */
        boolean betterThan(Lane other) {
            boolean healthy = consecutiveFailures == 0;
            if (healthy != (other.consecutiveFailures == 0)) {
                return healthy;
            }
            long mine = (long) inFlight * other.slots;
            long theirs = (long) other.inFlight * slots;
            if (mine != theirs) {
                return mine < theirs;
            }
            if (consecutiveFailures != other.consecutiveFailures) {
                return consecutiveFailures < other.consecutiveFailures;
            }
            return lastPicked < other.lastPicked;
        }

        void succeeded(Ticket ticket, long nanos) {
            calls.incrementAndGet();
            succeededCalls.increment();
            succeededLatency.record(nanos, TimeUnit.NANOSECONDS);
            synchronized (LeastLoadedRouter.this) {
                consecutiveFailures = 0;
            }
            if (ticket.settled.compareAndSet(false, true)) {
                breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
            }
        }

        void failed(Ticket ticket, Throwable error, long nanos) {
            calls.incrementAndGet();
            failures.incrementAndGet();
            failedCalls.computeIfAbsent(reasonOf(error), reason -> callCounter("failure", reason)).increment();
            failedLatency.record(nanos, TimeUnit.NANOSECONDS);
            boolean endpointFault = countsAgainstEndpoint(error);
            if (endpointFault) {
                synchronized (LeastLoadedRouter.this) {
                    consecutiveFailures++;
                    lastFailureNanos = System.nanoTime();
                }
            }
            if (ticket.settled.compareAndSet(false, true)) {
                if (endpointFault) {
                    breaker.onError(nanos, TimeUnit.NANOSECONDS, error);
                } else {
                    // The server answered; the request was at fault (e.g. prompt too long).
                    breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
                }
            }
        }
    }

    private static double stateValue(CircuitBreaker breaker) {
        return switch (breaker.getState()) {
            case CLOSED -> 0;
            case HALF_OPEN -> 1;
            default -> 2;
        };
    }
}
