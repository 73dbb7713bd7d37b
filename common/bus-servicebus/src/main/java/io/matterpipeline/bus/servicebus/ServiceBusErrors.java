package io.matterpipeline.bus.servicebus;

import com.azure.messaging.servicebus.ServiceBusException;
import com.azure.messaging.servicebus.ServiceBusFailureReason;
import io.matterpipeline.bus.LockLostException;
import io.matterpipeline.error.TooLargeException;
import java.time.Duration;

/** Maps the SDK's failures to the port's, once; everything else passes through (and is retried by consumers). */
final class ServiceBusErrors {

    private ServiceBusErrors() {
    }

    static Throwable translate(Throwable error) {
        if (error instanceof ServiceBusException serviceBus) {
            ServiceBusFailureReason reason = serviceBus.getReason();
            if (reason == ServiceBusFailureReason.MESSAGE_LOCK_LOST) {
                LockLostException lockLost = new LockLostException(serviceBus.getMessage());
                lockLost.initCause(serviceBus);
                return lockLost;
            }
            if (reason == ServiceBusFailureReason.MESSAGE_SIZE_EXCEEDED) {
                return new TooLargeException("message-too-large", serviceBus.getMessage(), serviceBus);
            }
        }
        return error;
    }

    static Throwable settleTimedOut(Duration timeout) {
        return new SettleTimeoutException("No answer to a settlement within " + timeout);
    }

    /** A settlement try that went unanswered. */
    static final class SettleTimeoutException extends RuntimeException {

        SettleTimeoutException(String message) {
            super(message);
        }
    }

    static boolean isLockLost(Throwable error) {
        return error instanceof ServiceBusException serviceBus
                && serviceBus.getReason() == ServiceBusFailureReason.MESSAGE_LOCK_LOST;
    }

    /**
     * A settlement failure worth one more try: the SDK's own (not the broker's answer about the lock or the message),
     * such as a disposition lost with its closing receive link.
     */
    static boolean isRetriable(Throwable error) {
        if (error instanceof SettleTimeoutException) {
            return true;
        }
        if (!(error instanceof ServiceBusException serviceBus)) {
            return false;
        }
        ServiceBusFailureReason reason = serviceBus.getReason();
        return reason == ServiceBusFailureReason.GENERAL_ERROR
                || reason == ServiceBusFailureReason.SERVICE_COMMUNICATION_ERROR
                || reason == ServiceBusFailureReason.SERVICE_TIMEOUT
                || reason == ServiceBusFailureReason.SERVICE_BUSY;
    }
}
