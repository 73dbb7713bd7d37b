package io.matterpipeline.testkit.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for test servers, chosen outside the operating system's ephemeral range.
 *
 * <p>Why: a port the OS picked ({@code bind(0)}) lies in its ephemeral range, the range it also gives the local end
 * of every outgoing connection. A server that closes such a port and binds it again (a simulated broker restart)
 * can find it taken meanwhile, typically by a client reconnecting to it: with nothing listening, a loopback connect
 * to a port in the ephemeral range can even be given that very port and connect to itself. A port outside the range
 * is never handed to an outgoing connection, so only another server binding it on purpose could take it, and this
 * class never hands the same port out twice on one machine: not in one JVM, and not to two JVMs (test forks, modules
 * built in parallel, child processes) at once.
 *
 * <p>Across JVMs a port is held by a lock on the file {@code <port>.lock} in {@code matter-pipeline-loopback-ports}
 * under {@code java.io.tmpdir}, taken when the port is handed out and kept until the JVM exits (the operating system
 * releases it then, however the JVM ends). So a port stays reserved while its server is restarted or while a test
 * keeps it as an address where nothing listens, and no other JVM binds it meanwhile. The lock files are left in
 * place (empty files; deleting one could let two JVMs lock two different files of the same name). Where the
 * directory cannot be written, ports are only kept apart within the JVM.
 *
 * <p>The range is read from {@code /proc/sys/net/ipv4/ip_local_port_range} (Linux); elsewhere the IANA range
 * 49152-65535 (macOS, Windows) is assumed. Ports below 10000 are left alone (well-known and registered services).
 */
public final class LoopbackPorts {

    private static final Path LINUX_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final int LOWEST = 10_000;
    private static final int HIGHEST = 65_535;
    private static final int ATTEMPTS = 100;

    private static final int[] EPHEMERAL = ephemeralRange(LINUX_RANGE);
    private static final Path LOCKS = Path.of(System.getProperty("java.io.tmpdir"), "matter-pipeline-loopback-ports");

    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
    /** The locks that hold this JVM's ports against other JVMs: referenced until the JVM exits. */
    private static final List<FileLock> HELD = new CopyOnWriteArrayList<>();

    private LoopbackPorts() {
    }

    /**
     * A loopback port outside the ephemeral range that nothing listened on when this was called, not handed out
     * before by this JVM nor held by another JVM on this machine. The caller binds it (and should be ready to ask again if another process was faster), or
     * uses it as an address where nothing listens.
     *
     * @throws IllegalStateException when the ephemeral range leaves no room, or no free port was found
     */
    public static int next() {
        int below = Math.max(0, EPHEMERAL[0] - LOWEST);
        int above = Math.max(0, HIGHEST - EPHEMERAL[1]);
        if (below + above == 0) {
            throw new IllegalStateException("The ephemeral port range " + EPHEMERAL[0] + "-" + EPHEMERAL[1]
                    + " leaves no port from " + LOWEST + " to " + HIGHEST);
        }
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int pick = ThreadLocalRandom.current().nextInt(below + above);
            int port = pick < below ? LOWEST + pick : EPHEMERAL[1] + 1 + (pick - below);
            if (HANDED_OUT.add(port) && reserve(LOCKS, port) && isFree(port)) {
                return port;
            }
        }
        throw new IllegalStateException("No free loopback port outside " + EPHEMERAL[0] + "-" + EPHEMERAL[1]
                + " after " + ATTEMPTS + " tries");
    }

    /** Whether {@code port} lies in the range the OS gives outgoing connections. */
    public static boolean isEphemeral(int port) {
        return port >= EPHEMERAL[0] && port <= EPHEMERAL[1];
    }

    /**
     * Locks {@code <port>.lock} in {@code directory} for the rest of this JVM's life; false when another JVM holds it.
     * Without a writable directory or file locks it is true: the port is then kept apart within this JVM only.
     */
    static boolean reserve(Path directory, int port) {
        FileChannel channel;
        try {
            Files.createDirectories(directory);
            channel = FileChannel.open(directory.resolve(port + ".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
        } catch (IOException | UnsupportedOperationException noSharedDirectory) {
            return true;
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException heldHere) {
            lock = null;
        } catch (IOException noFileLocks) {
            close(channel);
            return true;
        }
        if (lock == null) {
            close(channel);
            return false;
        }
        HELD.add(lock);
        return true;
    }

    private static void close(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing was held.
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    static int[] ephemeralRange(Path linuxRange) {
        try {
            String[] bounds = Files.readString(linuxRange, StandardCharsets.US_ASCII).trim().split("\\s+");
            int low = Integer.parseInt(bounds[0]);
            int high = Integer.parseInt(bounds[1]);
            if (low > 0 && low <= high && high <= HIGHEST) {
                return new int[] {low, high};
            }
        } catch (IOException | RuntimeException notLinux) {
            // Fall through to the IANA range.
        }
        return new int[] {49_152, HIGHEST};
    }
}
