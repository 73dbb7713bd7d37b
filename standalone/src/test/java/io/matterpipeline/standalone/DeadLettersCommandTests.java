package io.matterpipeline.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.messaging.servicebus.ServiceBusClientBuilder;
import com.azure.messaging.servicebus.ServiceBusReceivedMessage;
import com.azure.messaging.servicebus.ServiceBusReceiverClient;
import com.azure.messaging.servicebus.ServiceBusSenderClient;
import com.azure.messaging.servicebus.models.DeadLetterOptions;
import com.azure.messaging.servicebus.ServiceBusMessage;
import io.matterpipeline.testkit.servicebus.QueueOptions;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulator;
import io.matterpipeline.testkit.servicebus.ServiceBusEmulatorOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The dead-letter operations, driven through the CLI against the Service Bus emulator. */
class DeadLettersCommandTests {

    private ServiceBusEmulator emulator;

    @BeforeEach
    void start() {
        emulator = ServiceBusEmulator.start(ServiceBusEmulatorOptions.defaults()
                .withQueue(QueueOptions.named("pages").withLockDuration(Duration.ofSeconds(30))));
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    @Test
    void listsADeadLetterWithItsReasonAndReplaysItToItsQueue() {
        deadLetter("page-task:m-1:d-1:7", "model-unavailable", "the model answered 503 ten times");

        String listed = run("dead-letters", "--connection-string", emulator.connectionString(), "list", "pages");

        assertThat(listed).contains("\"messageId\":\"page-task:m-1:d-1:7\"")
                .contains("\"reason\":\"model-unavailable\"")
                .contains("\"description\":\"the model answered 503 ten times\"");

        // The emulator's queue has no duplicate detection, so nothing holds the replay back.
        String replayed = run("dead-letters", "--connection-string", emulator.connectionString(),
                "--duplicate-detection-window", "PT0S", "replay", "pages", "--id", "page-task:m-1:d-1:7");

        assertThat(replayed).contains("\"replayed\":[\"page-task:m-1:d-1:7\"]");
        assertThat(emulator.deadLetterMessageCount("pages")).isZero();
        assertThat(emulator.activeMessageCount("pages")).isEqualTo(1);
    }

    private void deadLetter(String messageId, String reason, String description) {
        ServiceBusClientBuilder builder = new ServiceBusClientBuilder().connectionString(emulator.connectionString());
        try (ServiceBusSenderClient sender = builder.sender().queueName("pages").buildClient();
                ServiceBusReceiverClient receiver = builder.receiver().queueName("pages").disableAutoComplete()
                        .buildClient()) {
            sender.sendMessage(new ServiceBusMessage("{\"type\":\"page-task\"}").setMessageId(messageId));
            ServiceBusReceivedMessage message = receiver.receiveMessages(1, Duration.ofSeconds(30)).iterator().next();
            receiver.deadLetter(message, new DeadLetterOptions().setDeadLetterReason(reason)
                    .setDeadLetterErrorDescription(description));
        }
    }

    @Test
    void aConnectionStringThatIsNotOneIsOneErrorLineNamingTheSettingNotTheValue() {
        StringWriter err = new StringWriter();
        CommandLine commandLine = MatterPipelineCommand.commandLine().setErr(new PrintWriter(err, true));

        int exit = commandLine.execute("dead-letters", "--connection-string", "SharedAccessKey=s3cret", "list", "pages");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).startsWith("error: the connection to the broker did not start: "
                        + "matter-pipeline.bus.servicebus.connection-string is not a Service Bus connection string")
                .doesNotContain("s3cret")
                .hasLineCount(1);
    }

    private static String run(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            int exit = MatterPipelineCommand.commandLine().execute(args);
            assertThat(exit).isZero();
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
