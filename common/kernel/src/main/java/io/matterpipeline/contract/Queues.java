package io.matterpipeline.contract;

/** The default queue names; each can be renamed in configuration ({@code matter-pipeline.queues.*}). */
public final class Queues {

    /** DocumentReceived, from ingest to the page-splitter. */
    public static final String DOCUMENTS = "documents";
    /** PageTask, from the page-splitter to the llm-workers. */
    public static final String PAGES = "pages";
    /** DocumentSplit, DocumentFailed, PagesExtracted, PageExtracted, PageFailed and MatterSealed, to the aggregator. */
    public static final String RESULTS = "results";
    /** MatterCompleted, for upstream systems. */
    public static final String MATTERS_COMPLETED = "matters-completed";

    private Queues() {
    }
}
