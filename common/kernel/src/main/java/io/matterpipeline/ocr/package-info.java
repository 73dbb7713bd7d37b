/** The OCR port: reading pages without a text layer. Adapters live in their own modules under {@code common/}. */
package io.matterpipeline.ocr;
