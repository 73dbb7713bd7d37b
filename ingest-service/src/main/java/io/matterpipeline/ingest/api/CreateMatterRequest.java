package io.matterpipeline.ingest.api;

/**
 * Body of {@code POST /v1/matters}; the whole body is optional.
 *
 * @param name an optional label for the Matter
 */
record CreateMatterRequest(String name) {

    static final CreateMatterRequest EMPTY = new CreateMatterRequest(null);
}
