package io.matterpipeline.testkit.documentintelligence;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code testkit document-intelligence}: runs a {@link DocumentIntelligenceSimulator} until the process is stopped,
 * printing its endpoint first.
 */
@Command(name = "document-intelligence", mixinStandardHelpOptions = true,
        description = "Runs an Azure AI Document Intelligence (prebuilt-read) simulator on 127.0.0.1 until stopped.")
public final class DocumentIntelligenceSimulatorCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "0",
            description = "Port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--key", defaultValue = DocumentIntelligenceSimulator.DEFAULT_KEY,
            description = "The Ocp-Apim-Subscription-Key clients must send (default: ${DEFAULT-VALUE}).")
    String key;

    @Option(names = "--polls", defaultValue = "1",
            description = "Polls answered \"running\" before an operation succeeds (default: ${DEFAULT-VALUE}).")
    int polls;

    @Override
    public Integer call() throws InterruptedException {
        DocumentIntelligenceSimulator simulator = DocumentIntelligenceSimulator.start(port, key, polls);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            simulator.close();
            stopped.countDown();
        }, "document-intelligence-simulator-shutdown"));
        System.out.println(simulator.endpoint());
        System.out.flush();
        stopped.await();
        return 0;
    }
}
