package io.matterpipeline.extract;

import io.matterpipeline.bus.ConsumerProperties;
import io.matterpipeline.bus.ConsumerSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of the llm-worker, prefix {@code matter-pipeline.worker}.
 *
 * @param model the model and the options pinned on every request; {@code model.base-url} is the one server used when
 *     no {@code endpoints} are listed
 * @param endpoints the model servers (replicas) pages are spread over, each with its slots; empty means the one
 *     server {@code model.base-url} with {@code concurrency} slots (4 if unset)
 * @param concurrency model calls in flight at once per worker instance; unset means the sum of the endpoints' slots,
 *     which keeps every slot busy without queueing on the servers
 * @param readyPages pages kept ready beyond the calls in flight (read, prompt built, waiting for a slot), so a slot
 *     that frees is refilled at once instead of after the next page's reading; unset means as many as
 *     {@code concurrency}. Their deliveries' locks are renewed like any other in flight
 * @param retry the retry budget of one page: how many model calls it may cost and the backoff between them
 * @param contextChars characters of the previous page's tail and the next page's head shown to the model as context
 * @param charsPerToken characters per token assumed when estimating a prompt's size before sending it (low = cautious)
 * @param routing how calls are queued for and spread over the endpoints, and when an endpoint is taken out
 * @param schemas where per-Matter extraction schemas come from
 * @param consumer how the pages queue is consumed ({@link ConsumerProperties}, shared by every consumer; the queue
 *     names are {@code matter-pipeline.queues.*}); it handles {@code concurrency + ready-pages} deliveries at once
 * @param facts how the worker's PageExtracted facts are batched into sends to the results queue
 */
@ConfigurationProperties("matter-pipeline.worker")
public record WorkerProperties(
        @DefaultValue Model model,
        List<Endpoint> endpoints,
        Integer concurrency,
        Integer readyPages,
        @DefaultValue Retry retry,
        @DefaultValue("600") int contextChars,
        @DefaultValue("3.0") double charsPerToken,
        @DefaultValue Routing routing,
        @DefaultValue Schemas schemas,
        @DefaultValue @NestedConfigurationProperty ConsumerProperties consumer,
        @DefaultValue Facts facts) {

    /** Slots of the single {@code model.base-url} server when neither endpoints nor concurrency are set. */
    static final int DEFAULT_SLOTS = 4;

    public WorkerProperties {
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
        consumer = consumer == null ? ConsumerProperties.defaults() : consumer;
        if (concurrency != null && concurrency < 1) {
            throw new IllegalArgumentException("matter-pipeline.worker.concurrency must be >= 1");
        }
        if (readyPages != null && readyPages < 0) {
            throw new IllegalArgumentException("matter-pipeline.worker.ready-pages must be >= 0");
        }
        retry = retry == null ? Retry.defaults() : retry;
        facts = facts == null ? Facts.defaults() : facts;
        var urls = new HashSet<String>();
        for (Endpoint endpoint : endpoints) {
            if (!urls.add(endpoint.url())) {
                throw new IllegalArgumentException("matter-pipeline.worker.endpoints lists " + endpoint.url()
                        + " twice");
            }
        }
        if (contextChars < 0) {
            throw new IllegalArgumentException("matter-pipeline.worker.context-chars must be >= 0");
        }
        if (!(charsPerToken > 0)) {
            throw new IllegalArgumentException("matter-pipeline.worker.chars-per-token must be > 0");
        }
    }

    /** The endpoints in effect: those listed, or the one {@code model.base-url} server. */
    public List<Endpoint> effectiveEndpoints() {
        if (!endpoints.isEmpty()) {
            return endpoints;
        }
        List<Endpoint> single = new ArrayList<>(1);
        single.add(new Endpoint(model.baseUrl(), concurrency == null ? DEFAULT_SLOTS : concurrency, Api.OLLAMA, null,
                null));
        return single;
    }

    /** Model calls in flight at once: {@code concurrency} if set, else the sum of the endpoints' slots. */
    public int effectiveConcurrency() {
        if (concurrency != null) {
            return concurrency;
        }
        return effectiveEndpoints().stream().mapToInt(Endpoint::slots).sum();
    }

    /** Pages kept ready beyond the calls in flight: {@code ready-pages} if set, else {@link #effectiveConcurrency()}. */
    public int effectiveReadyPages() {
        return readyPages != null ? readyPages : effectiveConcurrency();
    }

    /** Pages a worker instance holds at once: the calls in flight and the pages ready for the next free slot. */
    public int pagesInFlight() {
        return effectiveConcurrency() + effectiveReadyPages();
    }

    /** The settings of the pages queue's consumer: {@link #pagesInFlight()} deliveries at once. */
    public ConsumerSettings consumerSettings() {
        return consumer.toSettings(pagesInFlight());
    }

    /** The API a model server speaks. */
    public enum Api {
        /** Ollama's {@code /api/chat}. */
        OLLAMA,
        /** OpenAI's {@code /v1/chat/completions}, as vLLM and llama.cpp server serve it. */
        OPENAI
    }

    /**
     * One model server (a replica).
     *
     * @param url its base URL, e.g. {@code http://gpu-1:11434} (Ollama) or {@code http://gpu-2:8000} (OpenAI API;
     *     {@code /v1} is appended when the URL has no path)
     * @param slots calls it generates at once: its {@code OLLAMA_NUM_PARALLEL}, or for vLLM the batch share this
     *     worker may use; never more are in flight on it
     * @param api the API it speaks
     * @param model the model name on this server; unset means {@code model.name}
     * @param apiKey bearer token for OpenAI-compatible servers that require one
     */
    public record Endpoint(
            String url,
            @DefaultValue("4") int slots,
            @DefaultValue("ollama") Api api,
            String model,
            String apiKey) {

        public Endpoint {
            if (url == null || url.isBlank()) {
                throw new IllegalArgumentException("matter-pipeline.worker.endpoints[].url is required");
            }
            if (slots < 1) {
                throw new IllegalArgumentException("matter-pipeline.worker.endpoints[].slots must be >= 1, was "
                        + slots + " for " + url);
            }
            api = api == null ? Api.OLLAMA : api;
        }

        /** The model name on this server. */
        public String modelOr(String defaultModel) {
            return model == null || model.isBlank() ? defaultModel : model;
        }

        @Override
        public String toString() {
            // Never print the key.
            return "Endpoint[" + url + ", slots " + slots + ", " + api.name().toLowerCase(Locale.ROOT) + "]";
        }
    }

    /**
     * Spreading calls over the endpoints.
     *
     * @param maxWaiting model calls allowed to wait for a free slot; one more fails at once as busy (and is retried)
     * @param maxWait the longest a call waits for a free slot
     * @param breaker when an endpoint is taken out and probed back in
     */
    public record Routing(
            @DefaultValue("1024") int maxWaiting,
            @DefaultValue("5m") Duration maxWait,
            @DefaultValue Breaker breaker) {
    }

    /**
     * The circuit breaker of each endpoint. Failures are busy, 5xx, timeouts, unreachable and model-not-found; an
     * answer the server gave to a bad request (prompt too long) is not the endpoint's fault.
     *
     * @param failureRateThreshold percentage of failed calls among the last {@code sliding-window} that opens it
     * @param slidingWindow the last calls the failure rate is computed over
     * @param minimumCalls calls needed in the window before the rate counts
     * @param openDuration how long an open endpoint gets no calls before probes are let through
     * @param halfOpenCalls probe calls that must all succeed to close it again
     */
    public record Breaker(
            @DefaultValue("50") float failureRateThreshold,
            @DefaultValue("10") int slidingWindow,
            @DefaultValue("5") int minimumCalls,
            @DefaultValue("10s") Duration openDuration,
            @DefaultValue("2") int halfOpenCalls) {
    }

    /**
     * How the PageExtracted facts go to the results queue: those announced within {@code batchWindow} of the first
     * waiting one, at most {@code maxBatch} and {@code maxBatchBytes}, in one send (one bus operation instead of one
     * per page), as one {@code PagesExtracted} message per Matter (a lone fact as a plain {@code PageExtracted}): the
     * aggregator receives and settles one message per batch. A PageTask is settled only after the send holding its
     * fact has completed, so the window adds at most its length to how long a page's delivery is held (not to its
     * model slot).
     *
     * @param batchWindow how long the first fact of a batch waits for others; 0 sends each fact at once, as a
     *     {@code PageExtracted} of its own (for aggregators older than the batch message)
     * @param maxBatch the most facts in one send
     * @param maxBatchBytes the largest body of one batch message (a fact takes about 200 bytes); keep it below the
     *     broker's message size limit less room for the message's properties: Service Bus Standard allows 256 KB in
     *     all (Premium 100 MB, Kafka's default {@code max.message.bytes} 1 MB); at least 4KB
     */
    public record Facts(@DefaultValue("50ms") Duration batchWindow, @DefaultValue("32") int maxBatch,
            @DefaultValue("192KB") DataSize maxBatchBytes) {

        /** The smallest byte bound: room for any single fact. */
        static final DataSize MIN_BATCH_BYTES = DataSize.ofKilobytes(4);

        public Facts {
            if (batchWindow.isNegative()) {
                throw new IllegalArgumentException("matter-pipeline.worker.facts.batch-window must be >= 0");
            }
            if (maxBatch < 1) {
                throw new IllegalArgumentException("matter-pipeline.worker.facts.max-batch must be >= 1");
            }
            if (maxBatchBytes == null) {
                maxBatchBytes = DataSize.ofKilobytes(192);
            }
            if (maxBatchBytes.compareTo(MIN_BATCH_BYTES) < 0) {
                throw new IllegalArgumentException("matter-pipeline.worker.facts.max-batch-bytes must be >= 4KB");
            }
        }

        /** Facts within 50 ms of each other, at most 32 and 192 KB in one send. */
        public static Facts defaults() {
            return new Facts(Duration.ofMillis(50), 32, DataSize.ofKilobytes(192));
        }
    }

    /**
     * Per-Matter extraction schemas: a Matter created with its own JSON Schema has it at
     * {@code matters/{m}/schema.json}; without one, the legal schema applies.
     *
     * @param cacheSize Matters whose schema is kept in memory (least recently used go first)
     */
    public record Schemas(@DefaultValue("256") int cacheSize) {

        public Schemas {
            if (cacheSize < 1) {
                throw new IllegalArgumentException("matter-pipeline.worker.schemas.cache-size must be >= 1");
            }
        }
    }

    /**
     * The model and the options pinned on every request.
     *
     * @param baseUrl the Ollama server used when no {@code endpoints} are listed
     * @param name the model to use, as the servers name it (an endpoint may override it)
     * @param numCtx context window in tokens ({@code num_ctx}); identical on every worker sharing a server, or Ollama
     *     reloads the model
     * @param numPredict the most tokens of one answer ({@code num_predict}); an answer that hits it is a failed call
     * @param temperature sampling temperature; 0 for reproducible extraction
     * @param seed sampling seed, for reproducible runs
     * @param timeout the longest one model call may take
     * @param logRequests log model requests and responses (they contain document text: debugging only)
     */
    public record Model(
            @DefaultValue("http://localhost:11434") String baseUrl,
            @DefaultValue("llama3.1:8b") String name,
            @DefaultValue("8192") int numCtx,
            @DefaultValue("2048") int numPredict,
            @DefaultValue("0") double temperature,
            @DefaultValue("42") Integer seed,
            @DefaultValue("120s") Duration timeout,
            @DefaultValue("false") boolean logRequests) {
    }

    /**
     * The retry budget of one page, the one place that says how many model calls a page may cost: at most
     * {@code attempts × (1 + repairs)} ({@link #maxModelCalls()}, 9 by default). An attempt is a fresh conversation;
     * a failure that may pass (busy, 5xx, timeout, unreachable, an answer cut off at {@code num-predict}) costs one
     * and the next begins after a backoff, exponential from {@code first} up to {@code max}, each delay varied by up
     * to {@code jitter} (0..1) so that workers hit by the same outage do not retry in lockstep. Once the budget is
     * spent, or on a failure no retry can fix (prompt too long, answer still invalid after the repairs, request
     * refused), the page is reported failed ({@code PageFailed}) and its task completed: model failures never send a
     * page back to the queue. While no endpoint takes calls at all (every circuit breaker open, or no slot free within
     * {@code routing.max-wait}) nothing is spent: the page waits with the same backoff for up to {@code outage-wait},
     * then goes back to the queue, where another worker may have an endpoint that takes calls; such a redelivery,
     * like one after a crash, starts a fresh budget, and the queue's max delivery count bounds them.
     *
     * @param attempts fresh conversations per page for failures that may pass
     * @param repairs extra calls per attempt that show the model its invalid JSON and the validation errors
     * @param first the first delay between attempts
     * @param max the longest delay between attempts
     * @param jitter the share of each delay drawn at random
     * @param outageWait how long a page waits while no model endpoint of this worker takes calls before it goes back to
     *     the queue
     */
    public record Retry(
            @DefaultValue("3") int attempts,
            @DefaultValue("2") int repairs,
            @DefaultValue("1s") Duration first,
            @DefaultValue("20s") Duration max,
            @DefaultValue("0.5") double jitter,
            @DefaultValue("30s") Duration outageWait) {

        public Retry {
            if (attempts < 1) {
                throw new IllegalArgumentException("matter-pipeline.worker.retry.attempts must be >= 1");
            }
            if (repairs < 0) {
                throw new IllegalArgumentException("matter-pipeline.worker.retry.repairs must be >= 0");
            }
            if (first == null || first.isNegative() || max == null || max.compareTo(first) < 0) {
                throw new IllegalArgumentException("matter-pipeline.worker.retry: need 0 <= first <= max");
            }
            if (!(jitter >= 0 && jitter <= 1)) {
                throw new IllegalArgumentException("matter-pipeline.worker.retry.jitter must be within 0..1");
            }
            if (outageWait == null || outageWait.isNegative()) {
                throw new IllegalArgumentException("matter-pipeline.worker.retry.outage-wait must be >= 0");
            }
        }

        /** 3 attempts of up to 2 repairs each, 1 s to 20 s apart with 50 % jitter, 30 s of outage. */
        public static Retry defaults() {
            return new Retry(3, 2, Duration.ofSeconds(1), Duration.ofSeconds(20), 0.5, Duration.ofSeconds(30));
        }

        /** The most model calls one page can cost: {@code attempts × (1 + repairs)}. */
        public int maxModelCalls() {
            return attempts * (1 + repairs);
        }
    }
}
