package io.matterpipeline.blob;

/**
 * The blob layout, one place for every path (documented in docs/architecture.md). Everything of a Matter lives under
 * {@code matters/{matterId}/}, so deleting a Matter is deleting one prefix.
 *
 * <pre>
 * matters/{m}/matter.json                          Matter manifest (ingest)
 * matters/{m}/schema.json                          the Matter's own extraction JSON Schema, if any (ingest; read by
 *                                                  llm-worker; absent = the default legal schema)
 * matters/{m}/progress.json                        Matter progress (aggregator only, ETag-guarded)
 * matters/{m}/cancelled.json                       a user cancelled the Matter (ingest only; the worker and the
 *                                                  aggregator only look for it)
 * matters/{m}/result.json                          Matter result (aggregator; ingest for a cancel, created
 *                                                  If-None-Match: whoever creates it decides the Matter's end)
 * matters/{m}/documents/{d}/source                 original bytes (ingest)
 * matters/{m}/documents/{d}/pages/{nnnnn}.json     PageContent (page-splitter)
 * matters/{m}/documents/{d}/extractions/{nnnnn}.json  PageExtraction (llm-worker)
 * matters/{m}/documents/{d}/progress.json          document progress (aggregator, ETag-guarded)
 * matters/{m}/documents/{d}/result.json            document result (aggregator)
 * matters/{m}/documents/{d}/items/index.json       the document's merged items, paged: fields, counts, chunk starts
 * matters/{m}/documents/{d}/items/{fff}/{cccccc}.json  one chunk of a list field's merged items (aggregator)
 * matters/{m}/items/index.json, items/{fff}/{cccccc}.json  the same for the Matter's merged items (aggregator)
 * tenants/{t}/matters/{key}                        a tenant's Matter index entry, newest first (ingest)
 * tokens/{id}.json                                 an API token: tenant, scopes, expiry, secret hash (ingest)
 * ingest-requests/{t}/{r}.json                     an upstream ingest request already processed (ingest)
 * aggregator/watch/{m}.json                        a sealed Matter not finished yet, for the watchdog (aggregator)
 * </pre>
 * Ids are validated by {@link io.matterpipeline.contract.Ids} before they reach a path.
 */
public final class BlobPaths {

    private BlobPaths() {
    }

    public static String matterPrefix(String matterId) {
        return "matters/" + matterId + "/";
    }

    public static String matterManifest(String matterId) {
        return matterPrefix(matterId) + "matter.json";
    }

    /**
     * The extraction JSON Schema a Matter was created with (UTF-8 JSON, one JSON Schema 2020-12 object). Written once
     * by ingest when the Matter is created, before any document is added, and never changed; when it is absent the
     * llm-worker uses its default legal schema.
     */
    public static String matterSchema(String matterId) {
        return matterPrefix(matterId) + "schema.json";
    }

    public static String matterProgress(String matterId) {
        return matterPrefix(matterId) + "progress.json";
    }

    /**
     * The cancel marker: written once by ingest when a user cancels the Matter, before the CANCELLED result. Its
     * existence tells the llm-worker to skip the Matter's pages; whether the cancel won is decided by who created the
     * Matter result first ({@link #matterResult}).
     */
    public static String matterCancellation(String matterId) {
        return matterPrefix(matterId) + "cancelled.json";
    }

    /**
     * The metadata key of a Matter result that says its status, where the writer set it: ingest sets
     * {@code CANCELLED} on the result of a cancel, so the aggregator learns of a cancel from a stat.
     */
    public static final String RESULT_STATUS = "status";

    public static String matterResult(String matterId) {
        return matterPrefix(matterId) + "result.json";
    }

    public static String documentPrefix(String matterId, String documentId) {
        return matterPrefix(matterId) + "documents/" + documentId + "/";
    }

    public static String documentSource(String matterId, String documentId) {
        return documentPrefix(matterId, documentId) + "source";
    }

    public static String page(String matterId, String documentId, int pageNumber) {
        return documentPrefix(matterId, documentId) + "pages/" + fiveDigits(pageNumber) + ".json";
    }

    public static String extraction(String matterId, String documentId, int pageNumber) {
        return documentPrefix(matterId, documentId) + "extractions/" + fiveDigits(pageNumber) + ".json";
    }

    /** Where the Matter's merged items are kept in pages (chunks) for the items API, beside the Matter result. */
    public static String matterItems(String matterId) {
        return matterPrefix(matterId) + "items/";
    }

    /** Where a document's merged items are kept in pages (chunks), beside its document result. */
    public static String documentItems(String matterId, String documentId) {
        return documentPrefix(matterId, documentId) + "items/";
    }

    /** The index of paged items under {@code itemsPrefix} ({@link #matterItems} or {@link #documentItems}). */
    public static String itemsIndex(String itemsPrefix) {
        return itemsPrefix + "index.json";
    }

    /** Chunk {@code chunk} of the list field at position {@code field} (first-seen order) under {@code itemsPrefix}. */
    public static String itemsChunk(String itemsPrefix, int field, int chunk) {
        return itemsPrefix + String.format("%03d/%06d.json", field, chunk);
    }

    public static String documentProgress(String matterId, String documentId) {
        return documentPrefix(matterId, documentId) + "progress.json";
    }

    public static String documentResult(String matterId, String documentId) {
        return documentPrefix(matterId, documentId) + "result.json";
    }

    /** Where a tenant's Matter index entries live; their names sort newest first (ingest's Matter listing). */
    public static String tenantMattersPrefix(String tenant) {
        return "tenants/" + tenant + "/matters/";
    }

    /** One index entry of a tenant's Matter listing; {@code key} is the ingest service's sortable entry name. */
    public static String tenantMatter(String tenant, String key) {
        return tenantMattersPrefix(tenant) + key;
    }

    /** Where API tokens live (hashed secrets only). */
    public static String tokensPrefix() {
        return "tokens/";
    }

    /** An API token record: its tenant, scopes, expiry and the SHA-256 of its secret, never the secret. */
    public static String token(String tokenId) {
        return tokensPrefix() + tokenId + ".json";
    }

    /** The record of an upstream ingest request that was processed, so a repeated request has no second effect. */
    public static String ingestRequest(String tenant, String requestId) {
        return "ingest-requests/" + tenant + "/" + requestId + ".json";
    }

    /** Where the aggregator lists the sealed Matters it has not finished yet (its watchdog's work list). */
    public static String watchPrefix() {
        return "aggregator/watch/";
    }

    /**
     * A sealed Matter's watch entry: written when the aggregator records the seal, deleted once the Matter is final.
     * Outside the Matter's prefix on purpose: the watchdog lists these few blobs, never every Matter's blobs.
     */
    public static String watch(String matterId) {
        return watchPrefix() + matterId + ".json";
    }

    /** {@code %05d}, without {@link String#format}'s parsing of the pattern on every page path. */
    private static String fiveDigits(int pageNumber) {
        String digits = Integer.toString(pageNumber);
        return digits.length() >= 5 || pageNumber < 0 ? String.format("%05d", pageNumber)
                : "00000".substring(digits.length()) + digits;
    }
}
