package io.matterpipeline.extract.ollama;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.extract.modelhttp.ModelHttpClient;
import io.matterpipeline.model.ModelClient;
import io.matterpipeline.model.ModelFailures;
import io.matterpipeline.model.ModelMessage;
import io.matterpipeline.model.ModelReply;
import io.matterpipeline.model.ModelRequest;
import io.matterpipeline.testkit.net.LoopbackPorts;
import io.matterpipeline.testkit.ollama.OllamaFault;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import io.matterpipeline.testkit.ollama.OllamaSimulatorOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import reactor.test.StepVerifier;

class OllamaModelClientTests {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final String SCHEMA = """
            {"type": "object", "additionalProperties": false, "required": ["summary"],
             "properties": {"summary": {"type": "string"}}}""";

    OllamaSimulator simulator;

    @BeforeEach
    void start() {
        simulator = OllamaSimulator.start(OllamaSimulatorOptions.builder().slowDelay(Duration.ofSeconds(20)).build());
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    ModelClient client(String baseUrl, Duration timeout) {
        return OllamaModelClients.create(new OllamaClientOptions(baseUrl, "llama3.1:8b", 4096, 512, 0, 42, timeout, 2,
                false));
    }

    static ModelRequest request() {
        return new ModelRequest(List.of(ModelMessage.system("Extract."),
                ModelMessage.user("<page number=\"1\">\nCase No. 1:23-cv-04567, filed on March 3, 2023.\n</page>")),
                SCHEMA, "m/d/1");
    }

    @Test
    void replyCarriesContentDoneReasonTokensAndTheModelTheServerReports() {
        StepVerifier.create(client(simulator.baseUrl(), WAIT).chat(request()))
                .assertNext(reply -> {
                    assertThat(reply.content()).contains("\"caseNumbers\"").contains("1:23-cv-04567");
                    assertThat(reply.doneReason()).isEqualTo(ModelReply.DoneReason.STOP);
                    assertThat(reply.model()).isEqualTo(OllamaSimulator.MODEL);
                    assertThat(reply.promptTokens()).isPositive();
                    assertThat(reply.outputTokens()).isPositive();
                    assertThat(reply.endpoint()).isEqualTo(simulator.baseUrl());
                })
                .expectComplete()
                .verify(WAIT);
        assertThat(simulator.stats().totalCalls()).as("langchain4j retries are off").isEqualTo(1);
    }

    @Test
    void truncatedAnswerIsAReplyWithDoneReasonLength() {
        simulator.faults().injectNext(OllamaFault.TRUNCATED, 1);

        StepVerifier.create(client(simulator.baseUrl(), WAIT).chat(request()))
                .assertNext(reply -> assertThat(reply.doneReason()).isEqualTo(ModelReply.DoneReason.LENGTH))
                .expectComplete()
                .verify(WAIT);
    }

    @Test
    void busyServerIsATransientModelBusyFailureWithoutRetryInside() {
        simulator.faults().injectNext(OllamaFault.BUSY, 1);

        StepVerifier.create(client(simulator.baseUrl(), WAIT).chat(request()))
                .expectErrorSatisfies(error -> assertFailure(error, PipelineException.Kind.TRANSIENT,
                        ModelFailures.BUSY))
                .verify(WAIT);
        assertThat(simulator.stats().totalCalls()).isEqualTo(1);
    }

    @Test
    void serverErrorIsATransientServerErrorFailure() {
        simulator.faults().injectNext(OllamaFault.SERVER_ERROR, 1);

        StepVerifier.create(client(simulator.baseUrl(), WAIT).chat(request()))
                .expectErrorSatisfies(error -> assertFailure(error, PipelineException.Kind.TRANSIENT,
                        ModelFailures.SERVER_ERROR))
                .verify(WAIT);
    }

    @Test
    void answerLaterThanTheTimeoutIsATransientTimeout() {
        simulator.faults().injectNext(OllamaFault.SLOW, 1);

        StepVerifier.create(client(simulator.baseUrl(), Duration.ofMillis(800)).chat(request()))
                .expectErrorSatisfies(error -> assertFailure(error, PipelineException.Kind.TRANSIENT,
                        ModelFailures.TIMEOUT))
                .verify(WAIT);
    }

    @Test
    void serverThatIsNotThereIsUnreachable() throws IOException {
        // Outside the ephemeral range: a connect there can never be given that port and connect to itself.
        String nobody = "http://127.0.0.1:" + LoopbackPorts.next();

        StepVerifier.create(client(nobody, WAIT).chat(request()))
                .expectErrorSatisfies(error -> assertFailure(error, PipelineException.Kind.TRANSIENT,
                        ModelFailures.UNREACHABLE))
                .verify(WAIT);
        StepVerifier.create(client(nobody, WAIT).probe())
                .expectErrorSatisfies(error -> assertFailure(error, PipelineException.Kind.TRANSIENT,
                        ModelFailures.UNREACHABLE))
                .verify(WAIT);
        StepVerifier.create(OllamaModelClients.answers(nobody, Duration.ofSeconds(2)))
                .expectNext(false).expectComplete().verify(WAIT);
    }

    @Test
    void warmUpMakesNoChatCallAndTheFirstChatIsAnswered() {
        ModelClient client = client(simulator.baseUrl(), WAIT);

        StepVerifier.create(client.warmUp()).expectComplete().verify(WAIT);

        assertThat(simulator.stats().totalCalls()).as("a model load, answered at once, is no chat call").isZero();
        StepVerifier.create(client.chat(request())).expectNextCount(1).expectComplete().verify(WAIT);
        assertThat(simulator.stats().totalCalls()).isEqualTo(1);
    }

    @Test
    void probeAnswersWhenTheServerRuns() {
        StepVerifier.create(client(simulator.baseUrl(), WAIT).probe()).expectComplete().verify(WAIT);
        StepVerifier.create(OllamaModelClients.answers(simulator.baseUrl() + "/", Duration.ofSeconds(2)))
                .expectNext(true).expectComplete().verify(WAIT);
        assertThat(simulator.stats().totalCalls()).as("no chat call to probe").isZero();
    }

    @Test
    void theServerSaysWhichModelsItHasAndAChatForAnotherFailsModelNotFound() {
        try (OllamaSimulator twoModels = OllamaSimulator.start(OllamaSimulatorOptions.builder()
                .models(List.of("qwen2.5:7b", "mistral")).build())) {
            Duration timeout = Duration.ofSeconds(5);

            StepVerifier.create(OllamaModelClients.hasModel(twoModels.baseUrl(), "qwen2.5:7b", timeout))
                    .expectNext(true).expectComplete().verify(WAIT);
            StepVerifier.create(OllamaModelClients.hasModel(twoModels.baseUrl(), "mistral", timeout))
                    .expectNext(true).expectComplete().verify(WAIT);
            StepVerifier.create(OllamaModelClients.hasModel(twoModels.baseUrl(), "llama3.1:8b", timeout))
                    .expectNext(false).expectComplete().verify(WAIT);
            StepVerifier.create(OllamaModelClients.modelNames(twoModels.baseUrl(), timeout))
                    .expectNext(List.of("qwen2.5:7b", "mistral:latest")).expectComplete().verify(WAIT);
            StepVerifier.create(client(twoModels.baseUrl(), WAIT).chat(request()))
                    .expectErrorSatisfies(error -> {
                        assertThat(error).isInstanceOf(PipelineException.class);
                        assertThat(((PipelineException) error).reason()).isEqualTo(ModelFailures.MODEL_NOT_FOUND);
                    })
                    .verify(WAIT);
        }
    }

    @Test
    void aWarmUpAgainstAServerWithoutTheModelSaysSoOnceAtWarn() {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        Logger clientLog = (Logger) LoggerFactory.getLogger(ModelHttpClient.class);
        logs.start();
        clientLog.addAppender(logs);
        try (OllamaSimulator otherModel = OllamaSimulator.start(OllamaSimulatorOptions.builder()
                .models(List.of("qwen2.5:7b")).build())) {
            StepVerifier.create(client(otherModel.baseUrl(), WAIT).warmUp()).expectComplete().verify(WAIT);
            StepVerifier.create(client(simulator.baseUrl(), WAIT).warmUp()).expectComplete().verify(WAIT);
        } finally {
            clientLog.detachAppender(logs);
        }

        assertThat(logs.list).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.WARN);
            assertThat(event.getFormattedMessage()).contains("/api/chat was answered HTTP 404")
                    .contains("model 'llama3.1:8b' not found");
        });
    }

    @Test
    void aServerThatIsNotThereCannotSayWhichModelsItHas() throws IOException {
        String nobody = "http://127.0.0.1:" + LoopbackPorts.next();

        StepVerifier.create(OllamaModelClients.hasModel(nobody, "llama3.1:8b", Duration.ofSeconds(2)))
                .expectError().verify(WAIT);
    }

    static void assertFailure(Throwable error, PipelineException.Kind kind, String reason) {
        assertThat(error).isInstanceOf(PipelineException.class);
        assertThat(((PipelineException) error).kind()).isEqualTo(kind);
        assertThat(((PipelineException) error).reason()).isEqualTo(reason);
    }
}
