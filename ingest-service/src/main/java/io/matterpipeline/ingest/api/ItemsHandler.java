package io.matterpipeline.ingest.api;

import io.matterpipeline.ingest.IngestProperties;
import io.matterpipeline.ingest.matter.ItemReader;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code GET /v1/matters/{id}/items[/{field}]} and {@code GET /v1/matters/{id}/documents/{documentId}/items[/{field}]}:
 * merged items field by field, and a list field's items page by page ({@code ?limit=&cursor=}).
 */
final class ItemsHandler {

    private final ItemReader items;
    private final IngestProperties.Listing listing;

    ItemsHandler(ItemReader items, IngestProperties.Listing listing) {
        this.items = items;
        this.listing = listing;
    }

    Mono<ServerResponse> fields(ServerRequest request) {
        return Mono.defer(() -> items.fields(Callers.of(request).tenant(), request.pathVariable("id"),
                        documentId(request)))
                .flatMap(view -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(view));
    }

    Mono<ServerResponse> page(ServerRequest request) {
        return Mono.defer(() -> items.page(Callers.of(request).tenant(), request.pathVariable("id"),
                        documentId(request), request.pathVariable("field"), Paging.limit(request, listing),
                        request.queryParam("cursor").orElse(null)))
                .flatMap(page -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(page));
    }

    private static String documentId(ServerRequest request) {
        return request.pathVariables().get("documentId");
    }
}
