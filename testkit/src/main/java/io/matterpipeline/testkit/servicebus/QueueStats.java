package io.matterpipeline.testkit.servicebus;

/**
 * One queue of a {@link ServiceBusEmulator} at one moment, as {@code testkit servicebus --stats-port} serves it.
 *
 * @param active       messages available or locked (what Service Bus reports as ActiveMessages)
 * @param deadLettered messages in its dead-letter sub-queue
 * @param scheduled    messages scheduled for later
 * @param deliveries   messages handed to receivers since the emulator process started
 * @param redeliveries of those, the ones delivered before (delivery count above zero): abandoned by a handler, or
 *                     locked by a receiver that did not settle them before the lock expired
 */
public record QueueStats(int active, int deadLettered, int scheduled, long deliveries, long redeliveries) {
}
