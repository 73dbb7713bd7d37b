package io.matterpipeline.blob.azure;

import com.azure.core.exception.HttpResponseException;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobStorageException;
import io.matterpipeline.blob.PutCondition;
import io.matterpipeline.error.ConflictException;
import io.matterpipeline.error.NotFoundException;
import io.matterpipeline.error.PipelineException;
import io.matterpipeline.error.TransientException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeoutException;

/** The one place where Azure Storage failures become pipeline failure kinds. */
final class AzureErrors {

    static final String PRECONDITION_FAILED = PutCondition.REFUSED;
    static final String BLOB_NOT_FOUND = "blob-not-found";
    static final String BLOB_CONFLICT = "blob-conflict";
    static final String BLOB_UNAVAILABLE = "blob-unavailable";

    private AzureErrors() {
    }

    /** Classifies a failure of a read or delete of {@code path}. */
    static Throwable onRead(Throwable error, String path) {
        return classify(error, "blob " + path, false);
    }

    /** Classifies a failure of a write of {@code path}. */
    static Throwable onWrite(Throwable error, String path, boolean conditional) {
        return classify(error, "blob " + path, conditional);
    }

    /** Whether the failure says the blob (or its container) does not exist. */
    static boolean isNotFound(Throwable error) {
        return error instanceof HttpResponseException http && status(http) == 404;
    }

    /** Whether a failure may pass when the request is sent again. */
    static boolean isTransient(Throwable error) {
        if (error instanceof HttpResponseException http) {
            int status = status(http);
            return status == 408 || status == 429 || status >= 500;
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof IOException || t instanceof UncheckedIOException || t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static Throwable classify(Throwable error, String what, boolean conditionalWrite) {
        if (error instanceof PipelineException) {
            return error;
        }
        if (error instanceof BlobStorageException storage) {
            int status = storage.getStatusCode();
            BlobErrorCode code = storage.getErrorCode();
            if (status == 412 || (status == 409 && (BlobErrorCode.BLOB_ALREADY_EXISTS.equals(code)
                    || BlobErrorCode.CONDITION_NOT_MET.equals(code)))) {
                return new ConflictException(PRECONDITION_FAILED, "write condition does not hold for " + what, error);
            }
            if (status == 404 && conditionalWrite && !BlobErrorCode.CONTAINER_NOT_FOUND.equals(code)) {
                // If-Match against a blob that is gone: the expected version no longer exists.
                return new ConflictException(PRECONDITION_FAILED, "write condition does not hold for " + what
                        + ": it does not exist", error);
            }
            if (status == 404) {
                return new NotFoundException(BLOB_NOT_FOUND, "no " + what
                        + (BlobErrorCode.CONTAINER_NOT_FOUND.equals(code) ? " (container does not exist)" : ""), error);
            }
            if (status == 409) {
                return new ConflictException(BLOB_CONFLICT, what + " conflicts with its current state: " + code, error);
            }
        }
        if (isTransient(error)) {
            return new TransientException(BLOB_UNAVAILABLE, "blob storage unavailable for " + what + ": "
                    + summary(error), error);
        }
        return error;
    }

    private static int status(HttpResponseException http) {
        if (http instanceof BlobStorageException storage) {
            return storage.getStatusCode();
        }
        return http.getResponse() == null ? 0 : http.getResponse().getStatusCode();
    }

    static String summary(Throwable error) {
        if (error instanceof BlobStorageException storage) {
            return storage.getStatusCode() + " " + storage.getErrorCode();
        }
        String message = error.getMessage();
        return error.getClass().getSimpleName() + (message == null ? "" : " " + firstLine(message));
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
