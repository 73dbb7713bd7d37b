package io.matterpipeline.extract;

import io.matterpipeline.contract.PageContent;
import io.matterpipeline.model.ModelMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * The conversation that asks the model for one page's extraction, and the follow-up turn that asks it to repair an
 * invalid answer.
 *
 * <p>System message: the rules (verbatim quotes, this page only, formats) and the schema. User message:
 * <pre>
 * &lt;context-before&gt;tail of the previous page&lt;/context-before&gt;
 * &lt;page number="N"&gt;the page text&lt;/page&gt;
 * &lt;context-after&gt;head of the next page&lt;/context-after&gt;
 * </pre>
 * The context blocks are omitted on the first and last page.
 */
final class PagePrompt {

    private static final String RULES = """
            You read one page of a legal document and extract facts from it as JSON.

            Rules:
            - Extract only from the text inside <page>. The text inside <context-before> and <context-after> belongs \
            to the neighbouring pages and is context only: use it to understand the page, but never extract an item \
            that lies wholly inside it. An item that starts on this page and runs into <context-after> belongs to this \
            page; one that starts in <context-before> does not.
            - Every "quote" must be copied verbatim from the page text: the exact characters, no paraphrase, no \
            ellipsis, no added or corrected words. Quote the shortest line or sentence that states the item.
            - Dates as YYYY-MM-DD. Amounts as plain numbers (no currency symbols, no thousands separators); currency \
            as an ISO 4217 code such as USD or EUR.
            - Use an empty array when the page has no such items. Never invent facts that the page does not state.
            - summary: at most two sentences about this page.
            - Answer with one JSON object that follows this JSON Schema exactly, and nothing else:
            """;

    private PagePrompt() {
    }

    /** The first two messages: the rules with the schema, and the page with its context. */
    static List<ModelMessage> of(PageContent page, ExtractionSchema schema, int contextChars) {
        return List.of(ModelMessage.system(RULES + schema.text().strip()),
                ModelMessage.user(userMessage(page, contextChars)));
    }

    /** The page with its neighbours' context. */
    static String userMessage(PageContent page, int contextChars) {
        StringBuilder user = new StringBuilder(page.text().length() + 2 * contextChars + 120);
        String before = tail(page.precedingText(), contextChars);
        if (!before.isBlank()) {
            user.append("<context-before>\n").append(before).append("\n</context-before>\n");
        }
        user.append("<page number=\"").append(page.pageNumber()).append("\">\n")
                .append(page.text())
                .append("\n</page>");
        String after = head(page.followingText(), contextChars);
        if (!after.isBlank()) {
            user.append("\n<context-after>\n").append(after).append("\n</context-after>");
        }
        return user.toString();
    }

    /** The conversation so far plus the invalid answer and a request to correct it. */
    static List<ModelMessage> repair(List<ModelMessage> conversation, String invalidAnswer, List<String> errors,
            boolean includeAnswer) {
        List<ModelMessage> messages = new ArrayList<>(conversation);
        StringBuilder request = new StringBuilder();
        if (includeAnswer) {
            messages.add(ModelMessage.assistant(invalidAnswer));
            request.append("Your answer above is not valid against the schema:\n");
        } else {
            request.append("Your previous answer was not valid against the schema:\n");
        }
        for (String error : errors) {
            request.append("- ").append(error).append('\n');
        }
        request.append("Answer again with the complete, corrected JSON object for the same page, following the "
                + "schema exactly, and nothing else.");
        messages.add(ModelMessage.user(request.toString()));
        return messages;
    }

    private static String tail(String text, int chars) {
        if (chars <= 0 || text.isEmpty()) {
            return "";
        }
        return text.length() <= chars ? text : text.substring(cutIndex(text, text.length() - chars));
    }

    private static String head(String text, int chars) {
        if (chars <= 0 || text.isEmpty()) {
            return "";
        }
        return text.length() <= chars ? text : text.substring(0, cutIndex(text, chars));
    }

    /** Moves a cut off the middle of a surrogate pair. */
    private static int cutIndex(String text, int index) {
        return index > 0 && index < text.length() && Character.isLowSurrogate(text.charAt(index)) ? index - 1 : index;
    }
}
