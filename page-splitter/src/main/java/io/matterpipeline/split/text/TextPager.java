package io.matterpipeline.split.text;

import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;

/** Cuts a character stream into pages; holds at most about two pages of text. */
final class TextPager implements Closeable {

    private static final char FORM_FEED = '\f';
    private static final char BYTE_ORDER_MARK = '\uFEFF';

    private final Reader reader;
    private final int maxChars;
    private final char[] buffer;
    private final StringBuilder pending = new StringBuilder();
    private boolean bomChecked;
    private boolean emittedAny;
    private boolean eof;

    TextPager(Reader reader, int maxChars) {
        this.reader = reader;
        this.maxChars = maxChars;
        this.buffer = new char[Math.min(Math.max(maxChars, 1024), 64 * 1024)];
    }

    /** The next page, or null after the last. A form feed at the very end does not start an empty last page. */
    String next() throws IOException {
        while (true) {
            int formFeed = pending.indexOf(String.valueOf(FORM_FEED));
            if (formFeed >= 0 && formFeed <= maxChars) {
                String page = pending.substring(0, formFeed);
                pending.delete(0, formFeed + 1);
                emittedAny = true;
                return page;
            }
            if (pending.length() > maxChars) {
                int cut = breakPoint();
                String page = pending.substring(0, cut);
                pending.delete(0, cut);
                emittedAny = true;
                return page;
            }
            if (eof) {
                if (pending.length() == 0 || (emittedAny && pending.toString().isBlank())) {
                    // Trailing whitespace after the last form feed is not a page of its own.
                    pending.setLength(0);
                    return null;
                }
                String page = pending.toString();
                pending.setLength(0);
                emittedAny = true;
                return page;
            }
            fill();
        }
    }

    private void fill() throws IOException {
        int read = reader.read(buffer);
        if (read < 0) {
            eof = true;
            return;
        }
        int from = 0;
        if (!bomChecked && read > 0 && buffer[0] == BYTE_ORDER_MARK) {
            from = 1;
        }
        bomChecked = bomChecked || read > 0;
        pending.append(buffer, from, read - from);
    }

    /** Where to end a page of at most {@code maxChars}: after a line break, else after whitespace, else hard. */
    private int breakPoint() {
        int floor = maxChars / 2;
        for (int i = maxChars - 1; i >= floor; i--) {
            if (pending.charAt(i) == '\n') {
                return i + 1;
            }
        }
        for (int i = maxChars - 1; i >= floor; i--) {
            if (Character.isWhitespace(pending.charAt(i))) {
                return i + 1;
            }
        }
        // Never split a surrogate pair.
        return Character.isHighSurrogate(pending.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
