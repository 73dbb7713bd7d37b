package io.matterpipeline.testkit.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoopbackPortsTests {

    @TempDir
    Path dir;

    @Test
    void portsAreOutsideTheEphemeralRangeBindableAndNeverHandedOutTwice() throws IOException {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            int port = LoopbackPorts.next();
            assertThat(LoopbackPorts.isEphemeral(port)).as("port %d", port).isFalse();
            assertThat(port).isBetween(10_000, 65_535);
            assertThat(seen.add(port)).as("port %d handed out twice", port).isTrue();
        }
        int port = LoopbackPorts.next();
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertThat(socket.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void theRangeIsReadFromLinuxAndIsTheIanaOneElsewhere() throws IOException {
        Path linux = Files.writeString(dir.resolve("ip_local_port_range"), "32768\t60999\n");
        assertThat(LoopbackPorts.ephemeralRange(linux)).containsExactly(32_768, 60_999);
        assertThat(LoopbackPorts.ephemeralRange(dir.resolve("missing"))).containsExactly(49_152, 65_535);
        Path garbled = Files.writeString(dir.resolve("garbled"), "60999 32768");
        assertThat(LoopbackPorts.ephemeralRange(garbled)).containsExactly(49_152, 65_535);
    }

    @Test
    void aPortHeldByAnotherJvmIsNotHandedOutUntilThatJvmExits() throws Exception {
        Path locks = dir.resolve("locks");
        int port = 23_456;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process other = new ProcessBuilder(java, "-Xmx32m", "-cp", System.getProperty("java.class.path"),
                Holder.class.getName(), locks.toString(), Integer.toString(port)).redirectErrorStream(true).start();
        try (BufferedReader said = new BufferedReader(
                new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(said.readLine()).as("the other JVM's answer").isEqualTo("held " + port);

            assertThat(LoopbackPorts.reserve(locks, port)).as("held by the other JVM").isFalse();
            assertThat(LoopbackPorts.reserve(locks, port + 1)).as("another port").isTrue();
        } finally {
            other.destroyForcibly();
            assertThat(other.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(LoopbackPorts.reserve(locks, port)).as("released with the other JVM").isTrue();
    }

    /** Another JVM: holds one port until it is killed. */
    static final class Holder {

        public static void main(String[] args) throws InterruptedException {
            int port = Integer.parseInt(args[1]);
            System.out.println((LoopbackPorts.reserve(Path.of(args[0]), port) ? "held " : "refused ") + port);
            System.out.flush();
            Thread.sleep(TimeUnit.MINUTES.toMillis(2));
        }
    }
}
