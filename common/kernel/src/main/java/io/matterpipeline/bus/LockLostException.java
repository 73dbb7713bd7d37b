package io.matterpipeline.bus;

/** The lock of a delivery expired (or was settled elsewhere) before it was settled or renewed. */
public final class LockLostException extends RuntimeException {

    public LockLostException(String message) {
        super(message);
    }
}
