package io.matterpipeline.ingest.trigger;

import io.matterpipeline.contract.Ids;
import io.matterpipeline.error.BadInputException;

/**
 * Where an uploaded blob sits in the inbox: {@code {inbox}/{matterId}/{fileName}} in the trigger's container. The
 * file name may contain further {@code /} (only its last segment labels the document).
 *
 * @param matterId the Matter the blob belongs to (a valid id)
 * @param blobPath the blob's path in the container, as the blob store addresses it
 * @param fileName the path below the Matter's folder
 */
record InboxEntry(String matterId, String blobPath, String fileName) {

    static final String FOREIGN_CONTAINER = "foreign-container";
    static final String NOT_INBOX_PATH = "not-inbox-path";

    private static final String SUBJECT_PREFIX = "/blobServices/default/containers/";
    private static final String BLOBS = "/blobs/";

    /**
     * The inbox entry an event subject names.
     *
     * @throws BadInputException {@code malformed-event} for a subject that is not a blob's, {@value #FOREIGN_CONTAINER}
     *     for a blob of another container, {@value #NOT_INBOX_PATH} for a blob outside {@code {inbox}/{matterId}/},
     *     {@code invalid-id} for a folder name that is not a Matter id
     */
    static InboxEntry of(String subject, String container, String inbox) {
        if (!subject.startsWith(SUBJECT_PREFIX)) {
            throw new BadInputException(BlobEvents.MALFORMED, "Subject '" + subject + "' does not name a blob");
        }
        int blobs = subject.indexOf(BLOBS, SUBJECT_PREFIX.length());
        if (blobs < 0) {
            throw new BadInputException(BlobEvents.MALFORMED, "Subject '" + subject + "' does not name a blob");
        }
        String eventContainer = subject.substring(SUBJECT_PREFIX.length(), blobs);
        if (!eventContainer.equals(container)) {
            throw new BadInputException(FOREIGN_CONTAINER, "The blob is in container '" + eventContainer
                    + "', the trigger watches '" + container + "'; check the subscription's subject filter");
        }
        return ofPath(subject.substring(blobs + BLOBS.length()), inbox);
    }

    /** The inbox entry at a blob path of the trigger's container. */
    static InboxEntry ofPath(String blobPath, String inbox) {
        String prefix = inbox + "/";
        int slash = blobPath.indexOf('/', prefix.length());
        if (!blobPath.startsWith(prefix) || slash < 0 || slash == blobPath.length() - 1) {
            throw new BadInputException(NOT_INBOX_PATH, "Blob '" + blobPath + "' is not in " + prefix
                    + "{matterId}/{fileName}; check the subscription's subject filter");
        }
        String matterId = Ids.require("the inbox folder name (the Matter id)", blobPath.substring(prefix.length(),
                slash));
        return new InboxEntry(matterId, blobPath, blobPath.substring(slash + 1));
    }

    /** The folder of a Matter in the inbox, with its trailing slash. */
    static String matterFolder(String inbox, String matterId) {
        return inbox + "/" + matterId + "/";
    }

    /** True for names the trigger never takes as documents: hidden files such as {@code .DS_Store}. */
    boolean isHidden() {
        String last = fileName.substring(fileName.lastIndexOf('/') + 1);
        return last.startsWith(".") || fileName.contains("/.");
    }
}
