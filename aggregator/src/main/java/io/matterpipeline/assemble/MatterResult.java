package io.matterpipeline.assemble;

import io.matterpipeline.contract.SealedDocument;
import io.matterpipeline.progress.MatterStatus;
import java.time.Instant;
import java.util.List;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds the Matter result (what {@code result.json} and {@code GET /v1/matters/{id}/result} show) from the document
 * results, in sealed order. Pure: the same document results give the same result, except {@code completedAt}.
 *
 * <p>{@code model} is the one model name that answered, or, when pages were read by several models, their distinct
 * names sorted and joined with {@code ", "} ({@code models} lists them); null when no page was read.
 */
final class MatterResult {

    /** Version of the result layout; raised on incompatible changes. */
    static final int SCHEMA_VERSION = 1;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private MatterResult() {
    }

    /**
     * @param documentResults the document results ({@link DocumentAssembler}), one per sealed document, same order
     */
    static ObjectNode build(String matterId, List<SealedDocument> documents, List<ObjectNode> documentResults,
            Instant completedAt, MergeKey keys) {
        MatterMerge merge = new MatterMerge(keys);
        TreeSet<String> models = new TreeSet<>();
        ArrayNode failures = NODES.arrayNode();
        ArrayNode documentEntries = NODES.arrayNode();
        long pages = 0;
        long pagesExtracted = 0;
        long pagesFailed = 0;
        long promptTokens = 0;
        long outputTokens = 0;
        long modelMillis = 0;
        int completed = 0;
        int partial = 0;
        int failed = 0;
        for (int i = 0; i < documents.size(); i++) {
            SealedDocument document = documents.get(i);
            ObjectNode result = documentResults.get(i);
            String status = result.path("status").asString();
            switch (status) {
                case "COMPLETED" -> completed++;
                case "FAILED" -> failed++;
                default -> partial++;
            }
            JsonNode summary = result.path("summary");
            pages += summary.path("pages").asLong();
            pagesExtracted += summary.path("pagesExtracted").asLong();
            pagesFailed += summary.path("pagesFailed").asLong();
            promptTokens += summary.path("promptTokens").asLong();
            outputTokens += summary.path("outputTokens").asLong();
            modelMillis += summary.path("modelMillis").asLong();
            result.path("models").values().forEach(model -> models.add(model.asString()));
            if (result.path("failure").isObject()) {
                failures.add(failure(document, null, result.path("failure")));
            }
            for (JsonNode page : result.path("pages").values()) {
                if (page.path("failure").isObject()) {
                    failures.add(failure(document, page.path("pageNumber").intValue(), page.path("failure")));
                }
            }
            merge.addDocument(document.documentId(), document.fileName(), result.path("items"));
            documentEntries.add(documentEntry(document, result));
        }

        ObjectNode matter = NODES.objectNode();
        matter.put("schemaVersion", SCHEMA_VERSION);
        matter.put("matterId", matterId);
        matter.put("status", status(documents.size(), completed, failed).name());
        matter.put("model", models.isEmpty() ? null : String.join(", ", models));
        ArrayNode modelNames = matter.putArray("models");
        models.forEach(modelNames::add);
        matter.put("completedAt", completedAt.toString());
        matter.putObject("summary")
                .put("documents", documents.size())
                .put("documentsCompleted", completed)
                .put("documentsPartial", partial)
                .put("documentsFailed", failed)
                .put("pages", pages)
                .put("pagesExtracted", pagesExtracted)
                .put("pagesFailed", pagesFailed)
                .put("promptTokens", promptTokens)
                .put("outputTokens", outputTokens)
                .put("modelMillis", modelMillis);
        matter.set("failures", failures);
        matter.set("items", merge.result());
        matter.set("documents", documentEntries);
        return matter;
    }

    /** COMPLETED when every document completed; FAILED when there are none or all failed; PARTIAL otherwise. */
    static MatterStatus status(int documents, int completed, int failed) {
        if (documents == 0 || failed == documents) {
            return MatterStatus.FAILED;
        }
        return completed == documents ? MatterStatus.COMPLETED : MatterStatus.PARTIAL;
    }

    private static ObjectNode failure(SealedDocument document, Integer pageNumber, JsonNode note) {
        ObjectNode failure = NODES.objectNode();
        failure.put("documentId", document.documentId());
        failure.put("fileName", document.fileName());
        failure.put("pageNumber", pageNumber);
        failure.set("reason", note.path("reason").deepCopy());
        failure.set("description", note.path("description").deepCopy());
        return failure;
    }

    /** The document result with its file name, without the Matter id the enclosing result already states. */
    private static ObjectNode documentEntry(SealedDocument document, ObjectNode result) {
        ObjectNode entry = NODES.objectNode();
        entry.put("documentId", document.documentId());
        entry.put("fileName", document.fileName());
        result.forEachEntry((name, value) -> {
            if (!name.equals("matterId") && !name.equals("documentId")) {
                entry.set(name, value);
            }
        });
        return entry;
    }
}
