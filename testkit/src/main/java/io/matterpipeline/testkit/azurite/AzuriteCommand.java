package io.matterpipeline.testkit.azurite;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code testkit azurite}: installs the pinned Azurite with npm when needed, runs its blob service on loopback, prints
 * the connection string and keeps running until the process is stopped.
 */
@Command(name = "azurite", mixinStandardHelpOptions = true,
        description = "Azurite " + Azurite.VERSION + " blob service on 127.0.0.1 (needs Node.js 18+ and npm).")
public final class AzuriteCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "10000",
            description = "Blob service port on 127.0.0.1, 0 for a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Override
    public Integer call() throws InterruptedException {
        Azurite azurite = Azurite.start(port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            azurite.close();
            stopped.countDown();
        }, "azurite-shutdown"));
        System.out.println(azurite.connectionString());
        System.out.flush();
        stopped.await();
        return 0;
    }
}
