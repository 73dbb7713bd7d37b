package io.matterpipeline.ingest.request;

/**
 * One message of the {@code ingest-requests} queue, after it passed {@code docs/schemas/ingest-request.schema.json}.
 *
 * @param action {@code create-matter}, {@code add-document} or {@code seal}
 * @param source add-document: a blob path under an allowed prefix, or a URL under the configured container URL
 */
record IngestRequest(int schemaVersion, String requestId, String tenant, String action, String matterId, String name,
        String source, String fileName, String contentType) {

    static final String CREATE_MATTER = "create-matter";
    static final String ADD_DOCUMENT = "add-document";
    static final String SEAL = "seal";
}
