package io.matterpipeline.ingest.api;

import io.matterpipeline.error.BadInputException;
import io.matterpipeline.ingest.matter.PageReader;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/** {@code GET /v1/matters/{id}/documents/{documentId}/pages/{pageNumber}}: one page for review. */
final class PageHandler {

    private final PageReader pages;

    PageHandler(PageReader pages) {
        this.pages = pages;
    }

    Mono<ServerResponse> page(ServerRequest request) {
        return Mono.defer(() -> pages.page(Callers.of(request).tenant(), request.pathVariable("id"),
                        request.pathVariable("documentId"), pageNumber(request.pathVariable("pageNumber"))))
                .flatMap(page -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(page));
    }

    private static int pageNumber(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException notANumber) {
            throw new BadInputException("invalid-page-number", "The page number must be a whole number; got '"
                    + text.substring(0, Math.min(text.length(), 20)) + "'");
        }
    }
}
