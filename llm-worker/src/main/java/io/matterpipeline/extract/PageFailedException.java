package io.matterpipeline.extract;

import io.matterpipeline.error.PipelineException;

/**
 * The verdict on a page that cannot be read: its retry budget is spent, or its failure is one no retry can fix. Keeps
 * the kind and reason of the model failure that ended it; the message names the page and the model calls it cost. The
 * worker reports it as {@code PageFailed} and completes the task: nothing is left to retry.
 */
final class PageFailedException extends PipelineException {

    private static final long serialVersionUID = 1L;
    /** Service Bus caps a dead-letter description at 4096 characters; PageFailed keeps to the same. */
    private static final int MAX_MESSAGE = 1024;

    private final Kind kind;

    PageFailedException(PipelineException failure, String message) {
        super(failure.reason(), message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE),
                failure);
        this.kind = failure.kind();
    }

    @Override
    public Kind kind() {
        return kind;
    }
}
