package io.matterpipeline.testkit.servicebus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.azure.messaging.servicebus.ServiceBusClientBuilder;
import com.azure.messaging.servicebus.ServiceBusErrorContext;
import com.azure.messaging.servicebus.ServiceBusException;
import com.azure.messaging.servicebus.ServiceBusFailureReason;
import com.azure.messaging.servicebus.ServiceBusMessage;
import com.azure.messaging.servicebus.ServiceBusProcessorClient;
import com.azure.messaging.servicebus.ServiceBusReceivedMessage;
import com.azure.messaging.servicebus.ServiceBusReceiverClient;
import com.azure.messaging.servicebus.ServiceBusSenderClient;
import com.azure.messaging.servicebus.models.ServiceBusMessageState;
import com.azure.messaging.servicebus.models.SubQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Time-bound behaviour with the real SDK: lock renewal (by hand and by the processor), lock expiry and redelivery,
 * max delivery count and scheduled messages. Lock durations are 1–2 s so the tests stay short.
 */
@Timeout(60)
class ServiceBusEmulatorLockTests {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration SHORT_LOCK = Duration.ofSeconds(2);

    private static ServiceBusEmulator emulator;

    @BeforeAll
    static void start() {
        QuietLogs.apply();
        emulator = ServiceBusEmulator.start(ServiceBusEmulatorOptions.defaults()
                .withQueue(QueueOptions.named("renew").withLockDuration(SHORT_LOCK))
                .withQueue(QueueOptions.named("expiry").withLockDuration(Duration.ofSeconds(1)))
                .withQueue(QueueOptions.named("maxdelivery").withMaxDeliveryCount(2))
                .withQueue(QueueOptions.named("expiredtodlq").withLockDuration(Duration.ofSeconds(1))
                        .withMaxDeliveryCount(1))
                .withQueue(QueueOptions.named("processor").withLockDuration(SHORT_LOCK))
                .withQueues("scheduled"));
    }

    @AfterAll
    static void stop() {
        if (emulator != null) {
            emulator.close();
        }
    }

    private static ServiceBusClientBuilder builder() {
        return SdkClients.builder(emulator);
    }

    private static ServiceBusReceivedMessage receiveOne(ServiceBusReceiverClient receiver) {
        List<ServiceBusReceivedMessage> received = receiver.receiveMessages(1, WAIT).stream().toList();
        assertThat(received).as("one message within %s", WAIT).hasSize(1);
        return received.get(0);
    }

    @Test
    void renewLockKeepsTheMessageLockedPastItsLockDuration() throws InterruptedException {
        try (ServiceBusSenderClient sender = builder().sender().queueName("renew").buildClient();
             ServiceBusReceiverClient receiver = builder().receiver().queueName("renew")
                     .maxAutoLockRenewDuration(Duration.ZERO).buildClient()) {
            sender.sendMessage(new ServiceBusMessage("long job"));
            ServiceBusReceivedMessage message = receiveOne(receiver);
            OffsetDateTime lockedUntil = message.getLockedUntil();

            for (int i = 0; i < 3; i++) {
                Thread.sleep(1_000);
                OffsetDateTime renewed = receiver.renewMessageLock(message);
                assertThat(renewed).isAfter(lockedUntil);
                lockedUntil = renewed;
            }

            receiver.complete(message); // 3 s after receipt, with a 2 s lock
            assertThat(emulator.activeMessageCount("renew")).isZero();
        }
    }

    @Test
    void expiredLockRedeliversWithHigherDeliveryCountAndLosesTheOldLock() {
        try (ServiceBusSenderClient sender = builder().sender().queueName("expiry").buildClient();
             ServiceBusReceiverClient receiver = builder().receiver().queueName("expiry")
                     .maxAutoLockRenewDuration(Duration.ZERO).buildClient()) {
            sender.sendMessage(new ServiceBusMessage("slow consumer"));
            ServiceBusReceivedMessage first = receiveOne(receiver);

            ServiceBusReceivedMessage second = receiveOne(receiver); // arrives once the 1 s lock has expired

            assertThat(second.getSequenceNumber()).isEqualTo(first.getSequenceNumber());
            assertThat(second.getDeliveryCount()).isEqualTo(first.getDeliveryCount() + 1);
            assertThatThrownBy(() -> receiver.complete(first))
                    .isInstanceOfSatisfying(ServiceBusException.class, e ->
                            assertThat(e.getReason()).isEqualTo(ServiceBusFailureReason.MESSAGE_LOCK_LOST));
            receiver.complete(second);
            assertThat(emulator.activeMessageCount("expiry")).isZero();
        }
    }

    @Test
    void maxDeliveryCountMovesTheMessageToTheDeadLetterQueue() {
        try (ServiceBusSenderClient sender = builder().sender().queueName("maxdelivery").buildClient();
             ServiceBusReceiverClient receiver = builder().receiver().queueName("maxdelivery").buildClient();
             ServiceBusReceiverClient deadLetters = builder().receiver().queueName("maxdelivery")
                     .subQueue(SubQueue.DEAD_LETTER_QUEUE).buildClient()) {
            sender.sendMessage(new ServiceBusMessage("always fails").setMessageId("poison"));

            receiver.abandon(receiveOne(receiver));
            receiver.abandon(receiveOne(receiver));
            ServiceBusReceivedMessage dead = receiveOne(deadLetters);

            assertThat(dead.getMessageId()).isEqualTo("poison");
            assertThat(dead.getDeadLetterReason()).isEqualTo("MaxDeliveryCountExceeded");
            assertThat(dead.getDeadLetterErrorDescription()).isNotBlank();
            assertThat(dead.getDeliveryCount()).isEqualTo(2);
            assertThat(emulator.activeMessageCount("maxdelivery")).isZero();
            deadLetters.complete(dead);
        }
    }

    @Test
    void lockExpiryCountsTowardsMaxDeliveryCount() {
        try (ServiceBusSenderClient sender = builder().sender().queueName("expiredtodlq").buildClient();
             ServiceBusReceiverClient receiver = builder().receiver().queueName("expiredtodlq")
                     .maxAutoLockRenewDuration(Duration.ZERO).buildClient();
             ServiceBusReceiverClient deadLetters = builder().receiver().queueName("expiredtodlq")
                     .subQueue(SubQueue.DEAD_LETTER_QUEUE).buildClient()) {
            sender.sendMessage(new ServiceBusMessage("never settled"));
            receiveOne(receiver); // and let the 1 s lock expire

            ServiceBusReceivedMessage dead = receiveOne(deadLetters);

            assertThat(dead.getBody().toString()).isEqualTo("never settled");
            assertThat(dead.getDeadLetterReason()).isEqualTo("MaxDeliveryCountExceeded");
            deadLetters.complete(dead);
        }
    }

    @Test
    void processorRenewsTheLockAcrossSeveralLockPeriods() throws InterruptedException {
        AtomicInteger deliveries = new AtomicInteger();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        CountDownLatch completed = new CountDownLatch(1);
        ServiceBusProcessorClient processor = builder().processor().queueName("processor")
                .disableAutoComplete()
                .maxConcurrentCalls(1)
                .maxAutoLockRenewDuration(Duration.ofMinutes(1))
                .processMessage(context -> {
                    deliveries.incrementAndGet();
                    try {
                        Thread.sleep(5_000); // two and a half lock periods
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    context.complete();
                    completed.countDown();
                })
                .processError((ServiceBusErrorContext context) -> errors.add(context.getException()))
                .buildProcessorClient();
        try (ServiceBusSenderClient sender = builder().sender().queueName("processor").buildClient()) {
            sender.sendMessage(new ServiceBusMessage("slow page"));
            processor.start();

            assertThat(completed.await(30, TimeUnit.SECONDS)).as("completed by the handler").isTrue();

            assertThat(errors).isEmpty();
            assertThat(deliveries).hasValue(1);
            assertThat(emulator.activeMessageCount("processor")).isZero();
        } finally {
            processor.close();
        }
    }

    @Test
    void scheduledMessageAppearsAtItsTimeAndACancelledOneNever() {
        try (ServiceBusSenderClient sender = builder().sender().queueName("scheduled").buildClient();
             ServiceBusReceiverClient receiver = builder().receiver().queueName("scheduled").buildClient()) {
            OffsetDateTime at = OffsetDateTime.now().plusSeconds(2).truncatedTo(ChronoUnit.MILLIS);
            long kept = sender.scheduleMessage(new ServiceBusMessage("later"), at);
            long cancelled = sender.scheduleMessage(new ServiceBusMessage("never"), at);
            sender.cancelScheduledMessage(cancelled);

            List<ServiceBusReceivedMessage> peeked = receiver.peekMessages(10).stream().toList();
            assertThat(peeked).extracting(ServiceBusReceivedMessage::getSequenceNumber).containsExactly(kept);
            assertThat(peeked.get(0).getState()).isEqualTo(ServiceBusMessageState.SCHEDULED);

            ServiceBusReceivedMessage message = receiveOne(receiver);

            assertThat(message.getBody().toString()).isEqualTo("later");
            assertThat(message.getSequenceNumber()).isEqualTo(kept);
            assertThat(message.getScheduledEnqueueTime()).isEqualTo(at);
            assertThat(message.getEnqueuedTime()).isAfterOrEqualTo(at.minusSeconds(1));
            receiver.complete(message);
            assertThat(receiver.receiveMessages(1, Duration.ofSeconds(1)).stream().toList()).isEmpty();
            assertThat(emulator.scheduledMessageCount("scheduled")).isZero();
        }
    }
}
