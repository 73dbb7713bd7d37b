package io.matterpipeline.testkit.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
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
}
