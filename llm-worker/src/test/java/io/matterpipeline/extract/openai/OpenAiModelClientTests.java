package io.matterpipeline.extract.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.matterpipeline.error.PipelineException;
import io.matterpipeline.model.ModelClient;
import io.matterpipeline.model.ModelFailures;
import io.matterpipeline.model.ModelMessage;
import io.matterpipeline.model.ModelReply;
import io.matterpipeline.model.ModelRequest;
import io.matterpipeline.testkit.ollama.OllamaFault;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import io.matterpipeline.testkit.ollama.OllamaSimulatorOptions;
import io.matterpipeline.testkit.ollama.SimulatedExtraction;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The OpenAI-compatible adapter against the simulator's {@code /v1/chat/completions} (shaped like vLLM's). */
class OpenAiModelClientTests {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final String PAGE = "Case No. 1:23-cv-04567\nACME CORP., Plaintiff, v. BETA LLC, Defendant.";
    static final String SCHEMA = "{\"type\": \"object\", \"properties\": {\"summary\": {\"type\": \"string\"}}}";

    OllamaSimulator simulator;
    ModelClient client;

    @BeforeEach
    void start() {
        simulator = OllamaSimulator.start(OllamaSimulatorOptions.builder().defaultNumCtx(2048).build());
        client = OpenAiModelClients.create(new OpenAiClientOptions(simulator.baseUrl(), null, "llama-3-70b", 2048,
                512, 0, 42, Duration.ofSeconds(10), 2, false));
    }

    @AfterEach
    void stop() {
        simulator.close();
    }

    static ModelRequest request(String schema) {
        return new ModelRequest(List.of(ModelMessage.system("Extract."),
                ModelMessage.user("<page number=\"1\">\n" + PAGE + "\n</page>")), schema, "m/d/1");
    }

    static PipelineException failure(Throwable error) {
        assertThat(error).isInstanceOf(PipelineException.class);
        return (PipelineException) error;
    }

    @Test
    void structuredReplyIsTheBareJsonWithTokensAndFinishReason() {
        ModelReply reply = client.chat(request(SCHEMA)).block(WAIT);

        // Without response_format json_schema the simulated model wraps its JSON in prose.
        assertThat(reply.content()).isEqualTo(SimulatedExtraction.fromPageText(PAGE));
        assertThat(reply.doneReason()).isEqualTo(ModelReply.DoneReason.STOP);
        assertThat(reply.promptTokens()).isPositive();
        assertThat(reply.outputTokens()).isPositive();
        assertThat(reply.model()).isEqualTo("llama-3-70b");
        assertThat(reply.endpoint()).isEqualTo(simulator.baseUrl() + "/v1");
        assertThat(simulator.stats().calls(200)).isEqualTo(1);
    }

    @Test
    void freeTextRequestGetsTheModelsProse() {
        assertThat(client.chat(request(null)).block(WAIT).content()).startsWith("Sure!");
    }

    @Test
    void answerCutAtMaxTokensIsAReplyWithDoneReasonLength() {
        simulator.faults().injectNext(OllamaFault.TRUNCATED, 1);

        ModelReply reply = client.chat(request(SCHEMA)).block(WAIT);

        assertThat(reply.doneReason()).isEqualTo(ModelReply.DoneReason.LENGTH);
    }

    @Test
    void busyServerIsATransientModelBusyFailure() {
        simulator.faults().injectNext(OllamaFault.BUSY, 1);

        PipelineException error = failure(catchThrowable(() -> client.chat(request(SCHEMA)).block(WAIT)));

        assertThat(error.kind()).isEqualTo(PipelineException.Kind.TRANSIENT);
        assertThat(error.reason()).isEqualTo(ModelFailures.BUSY);
        assertThat(simulator.stats().totalCalls()).as("no retry inside the adapter").isEqualTo(1);
    }

    @Test
    void promptBeyondTheServersContextIsRefusedAsPromptTooLong() {
        ModelRequest huge = new ModelRequest(List.of(ModelMessage.user("word ".repeat(2000))), SCHEMA, "m/d/2");

        PipelineException error = failure(catchThrowable(() -> client.chat(huge).block(WAIT)));

        assertThat(error.kind()).isEqualTo(PipelineException.Kind.BAD_INPUT);
        assertThat(error.reason()).isEqualTo(ModelFailures.PROMPT_TOO_LONG);
    }

    @Test
    void probeAnswersWhileTheServerRunsAndFailsOnceItStopped() {
        client.probe().block(WAIT);
        simulator.close();

        PipelineException error = failure(catchThrowable(() -> client.probe().block(WAIT)));

        assertThat(error.reason()).isEqualTo(ModelFailures.UNREACHABLE);
    }

    @Test
    void baseUrlWithoutAPathGetsV1() {
        assertThat(new OpenAiClientOptions("http://gpu-1:8000/", null, "m", 4096, 512, 0, null,
                Duration.ofSeconds(1), 1, false).baseUrl()).isEqualTo("http://gpu-1:8000/v1");
        assertThat(new OpenAiClientOptions("http://gpu-1:8000/openai/v1", null, "m", 4096, 512, 0, null,
                Duration.ofSeconds(1), 1, false).baseUrl()).isEqualTo("http://gpu-1:8000/openai/v1");
    }
}
