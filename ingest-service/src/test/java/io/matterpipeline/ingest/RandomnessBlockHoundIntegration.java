package io.matterpipeline.ingest;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * What BlockHound may let pass in this module's tests, loaded by BlockHound's service loader when common's
 * {@code NonBlockingThreads} installs it. Both allowances are reads of {@code /dev/urandom} through
 * {@link java.security.SecureRandom}, which never block (unlike {@code /dev/random}): new Matter and document ids on
 * the server, multipart boundaries on the test client.
 */
public final class RandomnessBlockHoundIntegration implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("io.matterpipeline.contract.Ids", "random")
                .allowBlockingCallsInside("io.matterpipeline.ingest.access.TokenSecrets", "newId")
                .allowBlockingCallsInside("io.matterpipeline.ingest.access.TokenSecrets", "newToken")
                .allowBlockingCallsInside("org.springframework.util.MimeTypeUtils", "generateMultipartBoundary");
    }
}
