package io.matterpipeline.ingest.matter;

import io.matterpipeline.blob.BlobContent;
import io.matterpipeline.blob.BlobPaths;
import io.matterpipeline.blob.BlobStore;
import io.matterpipeline.contract.Ids;
import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.contract.PageContent;
import io.matterpipeline.contract.PageExtraction;
import io.matterpipeline.error.BadInputException;
import io.matterpipeline.error.NotFoundException;
import io.matterpipeline.ingest.IngestProperties;
import java.util.Optional;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads one page of a Matter for review: the page blob the splitter wrote and, once the page was read, the extraction
 * the worker wrote. Tenant rules as everywhere: another tenant's Matter is {@code matter-not-found}. Two blob reads
 * (three with the manifest) per page, each a small JSON document.
 */
public final class PageReader {

    private final BlobStore blobs;
    private final JsonMapper mapper;
    private final ManifestStore manifests;
    private final double lowConfidenceThreshold;

    private PageReader(BlobStore blobs, ManifestStore manifests, double lowConfidenceThreshold) {
        this.blobs = blobs;
        this.mapper = MessageCodec.mapper();
        this.manifests = manifests;
        this.lowConfidenceThreshold = lowConfidenceThreshold;
    }

    /**
     * @param lowConfidenceThreshold OCR words below this confidence are flagged for review (the page-splitter's
     *     {@code low-confidence-threshold} is the natural value)
     */
    public static PageReader create(BlobStore blobs, IngestProperties properties, double lowConfidenceThreshold) {
        return new PageReader(blobs, new ManifestStore(blobs, MessageCodec.mapper(),
                properties.manifestUpdateAttempts(), properties.manifestUpdateBackoff()), lowConfidenceThreshold);
    }

    /**
     * The page, or {@code matter-not-found}, {@code document-not-found}, {@code page-not-found} (also while the
     * document is still being split), {@code invalid-page-number}.
     */
    public Mono<PageView> page(String tenant, String matterId, String documentId, int pageNumber) {
        return Mono.defer(() -> {
            String matter = Ids.require("matterId", matterId);
            String document = Ids.require("documentId", documentId);
            if (pageNumber < 1) {
                return Mono.error(new BadInputException("invalid-page-number",
                        "Page numbers start at 1; got " + pageNumber));
            }
            return manifests.read(matter, tenant).flatMap(manifest -> {
                MatterManifest.ManifestDocument recorded = manifest.documents().stream()
                        .filter(candidate -> candidate.documentId().equals(document))
                        .findFirst()
                        .orElse(null);
                if (recorded == null) {
                    return Mono.error(new NotFoundException("document-not-found",
                            "Matter " + matter + " has no document " + document));
                }
                Mono<PageContent> content = blobs.read(BlobPaths.page(matter, document, pageNumber))
                        .switchIfEmpty(Mono.error(() -> new NotFoundException("page-not-found", "Document "
                                + document + " has no page " + pageNumber + " (or it is not split yet)")))
                        .map(blob -> decode(blob, PageContent.class));
                Mono<Optional<PageExtraction>> extraction = blobs.read(
                                BlobPaths.extraction(matter, document, pageNumber))
                        .map(blob -> Optional.of(decode(blob, PageExtraction.class)))
                        .defaultIfEmpty(Optional.empty());
                return Mono.zip(content, extraction)
                        .map(both -> view(recorded.fileName(), both.getT1(), both.getT2()));
            });
        });
    }

    private PageView view(String fileName, PageContent page, Optional<PageExtraction> extraction) {
        return new PageView(page.matterId(), page.documentId(), fileName, page.pageNumber(), page.pageCount(),
                page.kind(), page.text(),
                page.words().stream()
                        .map(word -> new PageView.Word(word.content(), word.confidence(), word.offset()))
                        .toList(),
                lowConfidenceThreshold, page.averageWordConfidence(),
                extraction.map(PageExtraction::extraction).orElse(null),
                extraction.map(PageExtraction::model).orElse(null),
                extraction.map(PageExtraction::warnings).orElse(java.util.List.of()));
    }

    private <T> T decode(BlobContent blob, Class<T> type) {
        return mapper.readValue(blob.bytes(), type);
    }
}
