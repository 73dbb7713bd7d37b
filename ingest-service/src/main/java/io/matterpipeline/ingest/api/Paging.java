package io.matterpipeline.ingest.api;

import io.matterpipeline.error.BadInputException;
import io.matterpipeline.ingest.IngestProperties;
import org.springframework.web.reactive.function.server.ServerRequest;

/** The {@code limit} query parameter of the listings. */
final class Paging {

    private Paging() {
    }

    static int limit(ServerRequest request, IngestProperties.Listing listing) {
        String value = request.queryParam("limit").orElse(null);
        if (value == null || value.isEmpty()) {
            return listing.defaultPageSize();
        }
        try {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= listing.maxPageSize()) {
                return limit;
            }
        } catch (NumberFormatException notANumber) {
            // reported below
        }
        throw new BadInputException("invalid-limit", "limit must be a whole number from 1 to " + listing.maxPageSize());
    }
}
