package io.matterpipeline.progress;

/** Why a page or document failed: a stable reason code and a human-readable description. */
public record FailureNote(String reason, String description) {
}
