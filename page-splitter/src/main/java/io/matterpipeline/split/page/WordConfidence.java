package io.matterpipeline.split.page;

import java.util.Collection;

/**
 * OCR word confidence figures of a page or a document; every figure is null when there are no words with a
 * confidence (input that is not OCR, or a page without words).
 *
 * @param wordCount words that carry a confidence
 * @param average mean confidence
 * @param min lowest confidence
 * @param lowShare share of words whose confidence is below the threshold
 */
public record WordConfidence(int wordCount, Double average, Double min, Double lowShare) {

    /** No words: every figure unknown. */
    public static final WordConfidence UNKNOWN = new WordConfidence(0, null, null, null);

    /** The figures of {@code confidences}, counting a value below {@code lowThreshold} as low. */
    public static WordConfidence of(Collection<Double> confidences, double lowThreshold) {
        if (confidences.isEmpty()) {
            return UNKNOWN;
        }
        double sum = 0;
        double min = Double.MAX_VALUE;
        int low = 0;
        for (double confidence : confidences) {
            sum += confidence;
            min = Math.min(min, confidence);
            if (confidence < lowThreshold) {
                low++;
            }
        }
        int count = confidences.size();
        return new WordConfidence(count, sum / count, min, (double) low / count);
    }
}
