package io.matterpipeline.ingest.api;

import io.matterpipeline.ingest.matter.MatterService;
import java.util.List;
import java.util.Set;
import org.springframework.http.HttpMethod;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * The ingest HTTP API, version 1:
 * <pre>
 * POST /v1/matters                  create a Matter; optional JSON body {"name": ...}   201 + Location
 * POST /v1/matters/{id}/documents   multipart/form-data, part "file", streamed           201
 * POST /v1/matters/{id}/seal        no more documents; processing starts                 202 (200 if completing an earlier seal)
 * GET  /v1/matters/{id}             status and progress                                  200
 * GET  /v1/matters/{id}/result      the Matter result JSON once final                    200 (404 result-not-ready before)
 * </pre>
 * Every error is RFC 9457 {@code application/problem+json} with type {@code https://matter-pipeline.io/problems/<reason>}.
 */
public final class IngestApi {

    private IngestApi() {
    }

    /** The routes of the API, served by the given service. */
    public static RouterFunction<ServerResponse> routes(MatterService matters, long maxDocumentBytes) {
        MatterHandler handler = new MatterHandler(matters, maxDocumentBytes);
        return RouterFunctions.route()
                .POST("/v1/matters", handler::create)
                .POST("/v1/matters/{id}/documents", handler::upload)
                .POST("/v1/matters/{id}/seal", handler::seal)
                .GET("/v1/matters/{id}", handler::status)
                .GET("/v1/matters/{id}/result", handler::result)
                // A known path with another method is a 405 naming the allowed one, not a misleading 404.
                .add(onlyAllowed("/v1/matters", HttpMethod.POST))
                .add(onlyAllowed("/v1/matters/{id}/documents", HttpMethod.POST))
                .add(onlyAllowed("/v1/matters/{id}/seal", HttpMethod.POST))
                .add(onlyAllowed("/v1/matters/{id}", HttpMethod.GET))
                .add(onlyAllowed("/v1/matters/{id}/result", HttpMethod.GET))
                .build();
    }

    /** The handler that turns every failure of the application into problem+json; writes JSON with {@code writers}. */
    public static WebExceptionHandler problemHandler(List<HttpMessageWriter<?>> writers) {
        return new ProblemDetailsHandler(writers);
    }

    private static RouterFunction<ServerResponse> onlyAllowed(String path, HttpMethod allowed) {
        return RouterFunctions.route(RequestPredicates.path(path),
                request -> Mono.error(new MethodNotAllowedException(request.method(), Set.of(allowed))));
    }
}
