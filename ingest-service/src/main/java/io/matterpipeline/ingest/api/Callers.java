package io.matterpipeline.ingest.api;

import io.matterpipeline.ingest.access.Caller;
import org.springframework.web.reactive.function.server.ServerRequest;

/** The {@link Caller} the access filter established for a request. */
final class Callers {

    private Callers() {
    }

    /**
     * The request's caller. The access filter guards every route that calls this, so a missing caller is a wiring
     * defect, answered with 500 rather than served as anybody.
     */
    static Caller of(ServerRequest request) {
        return request.attribute(Caller.ATTRIBUTE)
                .map(Caller.class::cast)
                .orElseThrow(() -> new IllegalStateException("No caller on a guarded route: is the access filter "
                        + "installed?"));
    }
}
