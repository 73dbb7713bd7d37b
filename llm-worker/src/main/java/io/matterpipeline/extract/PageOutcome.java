package io.matterpipeline.extract;

import io.matterpipeline.contract.PageExtraction;

/** How reading one page ended: an accepted extraction, or a failure to report. */
sealed interface PageOutcome {

    /** The model's answer was valid; its provenance is annotated. */
    record Extracted(PageExtraction extraction) implements PageOutcome {
    }

    /** The page could not be read within its budget; {@code reason} is a stable code such as {@code model-busy}. */
    record Failed(String reason, String description) implements PageOutcome {
    }
}
