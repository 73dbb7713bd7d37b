package io.matterpipeline.ingest.api;

import io.matterpipeline.ingest.IngestProperties;
import io.matterpipeline.ingest.access.TokenService;
import io.matterpipeline.ingest.matter.ItemReader;
import io.matterpipeline.ingest.matter.Matters;
import io.matterpipeline.ingest.matter.PageReader;
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
 * The ingest HTTP API, version 1 (described for clients by {@code docs/openapi.yaml}, served at
 * {@code GET /v1/openapi.yaml}):
 * <pre>
 * POST   /v1/matters                  create a Matter; optional JSON body {"name": ...}   201 + Location   matters:write
 * GET    /v1/matters                  the tenant's Matters, newest first, ?limit=&amp;cursor=  200          matters:read
 * GET    /v1/matters/{id}             status and progress                                 200            matters:read
 * DELETE /v1/matters/{id}             the Matter and all its blobs                        204            matters:write
 * POST   /v1/matters/{id}/documents   multipart/form-data, part "file", streamed          201            matters:write
 * POST   /v1/matters/{id}/seal        no more documents; processing starts                202 (200)      matters:write
 * POST   /v1/matters/{id}/cancel      pending pages are skipped; ends CANCELLED           200            matters:write
 * POST   /v1/matters/{id}/archive     a final Matter's sources to the cool tier           200            matters:write
 * GET    /v1/matters/{id}/result      the Matter result JSON once final                   200            matters:read
 * GET    /v1/matters/{id}/events      status as Server-Sent Events until final            200            matters:read
 * GET    /v1/matters/{id}/items       the merged items field by field (counts, values)    200            matters:read
 * GET    /v1/matters/{id}/items/{field}  a list field's items, ?limit=&amp;cursor=           200            matters:read
 * GET    /v1/matters/{id}/documents/{documentId}/items[/{field}]  the same per document 200          matters:read
 * GET    /v1/matters/{id}/documents/{documentId}/pages/{pageNumber}
 *                                      a page's text, OCR words and extraction (review)    200            matters:read
 * POST   /v1/tokens                   issue a token; the secret is in the answer, once    201            tokens:admin
 * GET    /v1/tokens                   the tokens the caller administers, no secrets       200            tokens:admin
 * DELETE /v1/tokens/{id}              revoke a token                                      204            tokens:admin
 * GET    /v1/openapi.yaml             this API's OpenAPI 3 document                       200            (none)
 * </pre>
 * Every error is RFC 9457 {@code application/problem+json} with type {@code https://matter-pipeline.io/problems/<reason>}.
 */
public final class IngestApi {

    private IngestApi() {
    }

    /** The routes of the API. Every route but the OpenAPI document needs the access filter in front of it. */
    public static RouterFunction<ServerResponse> routes(Matters matters, PageReader pages, ItemReader items,
            TokenService tokens, IngestProperties properties) {
        MatterHandler handler = new MatterHandler(matters, properties);
        PageHandler pageHandler = new PageHandler(pages);
        ItemsHandler itemsHandler = new ItemsHandler(items, properties.listing());
        MatterEvents events = new MatterEvents(matters.queries(), properties.events());
        TokenHandler tokenHandler = new TokenHandler(tokens, properties);
        OpenApiDocument openApi = new OpenApiDocument();
        return RouterFunctions.route()
                .POST("/v1/matters", handler::create)
                .GET("/v1/matters", handler::list)
                .GET("/v1/matters/{id}", handler::status)
                .DELETE("/v1/matters/{id}", handler::delete)
                .POST("/v1/matters/{id}/documents", handler::upload)
                .POST("/v1/matters/{id}/seal", handler::seal)
                .POST("/v1/matters/{id}/cancel", handler::cancel)
                .POST("/v1/matters/{id}/archive", handler::archive)
                .GET("/v1/matters/{id}/result", handler::result)
                .GET("/v1/matters/{id}/events", events::stream)
                .GET("/v1/matters/{id}/documents/{documentId}/pages/{pageNumber}", pageHandler::page)
                .GET("/v1/matters/{id}/items", itemsHandler::fields)
                .GET("/v1/matters/{id}/items/{field}", itemsHandler::page)
                .GET("/v1/matters/{id}/documents/{documentId}/items", itemsHandler::fields)
                .GET("/v1/matters/{id}/documents/{documentId}/items/{field}", itemsHandler::page)
                .POST("/v1/tokens", tokenHandler::issue)
                .GET("/v1/tokens", tokenHandler::list)
                .DELETE("/v1/tokens/{id}", tokenHandler::revoke)
                .GET("/v1/openapi.yaml", openApi::serve)
                // A known path with another method is a 405 naming the allowed ones, not a misleading 404.
                .add(onlyAllowed("/v1/matters", HttpMethod.POST, HttpMethod.GET))
                .add(onlyAllowed("/v1/matters/{id}", HttpMethod.GET, HttpMethod.DELETE))
                .add(onlyAllowed("/v1/matters/{id}/documents", HttpMethod.POST))
                .add(onlyAllowed("/v1/matters/{id}/seal", HttpMethod.POST))
                .add(onlyAllowed("/v1/matters/{id}/cancel", HttpMethod.POST))
                .add(onlyAllowed("/v1/matters/{id}/archive", HttpMethod.POST))
                .add(onlyAllowed("/v1/matters/{id}/result", HttpMethod.GET))
                .add(onlyAllowed("/v1/matters/{id}/events", HttpMethod.GET))
                .add(onlyAllowed("/v1/matters/{id}/documents/{documentId}/pages/{pageNumber}", HttpMethod.GET))
                .add(onlyAllowed("/v1/matters/{id}/items", HttpMethod.GET))
                .add(onlyAllowed("/v1/matters/{id}/items/{field}", HttpMethod.GET))
                .add(onlyAllowed("/v1/matters/{id}/documents/{documentId}/items", HttpMethod.GET))
                .add(onlyAllowed("/v1/matters/{id}/documents/{documentId}/items/{field}", HttpMethod.GET))
                .add(onlyAllowed("/v1/tokens", HttpMethod.POST, HttpMethod.GET))
                .add(onlyAllowed("/v1/tokens/{id}", HttpMethod.DELETE))
                .add(onlyAllowed("/v1/openapi.yaml", HttpMethod.GET))
                .build();
    }

    /** The handler that turns every failure of the application into problem+json; writes JSON with {@code writers}. */
    public static WebExceptionHandler problemHandler(List<HttpMessageWriter<?>> writers) {
        return new ProblemDetailsHandler(writers);
    }

    private static RouterFunction<ServerResponse> onlyAllowed(String path, HttpMethod... allowed) {
        return RouterFunctions.route(RequestPredicates.path(path),
                request -> Mono.error(new MethodNotAllowedException(request.method(), Set.of(allowed))));
    }
}
