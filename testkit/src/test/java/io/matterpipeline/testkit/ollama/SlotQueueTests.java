package io.matterpipeline.testkit.ollama;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class SlotQueueTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @Test
    void freeSlotIsGrantedAtOnce() {
        SlotQueue slots = new SlotQueue(1, 1);

        StepVerifier.create(slots.acquire(new SlotQueue.Ticket())).verifyComplete();
    }

    @Test
    void waitingCallGetsTheSlotWhenItIsReleased() {
        SlotQueue slots = new SlotQueue(1, 1);
        SlotQueue.Ticket first = new SlotQueue.Ticket();
        SlotQueue.Ticket second = new SlotQueue.Ticket();
        StepVerifier.create(slots.acquire(first)).verifyComplete();

        StepVerifier.create(slots.acquire(second))
                .expectSubscription()
                .then(() -> assertThat(slots.queued()).isEqualTo(1))
                .expectNoEvent(Duration.ofMillis(50))
                .then(() -> slots.release(first))
                .expectComplete()
                .verify(TIMEOUT);
        assertThat(slots.queued()).isZero();
    }

    @Test
    void fullQueueRejects() {
        SlotQueue slots = new SlotQueue(1, 0);
        StepVerifier.create(slots.acquire(new SlotQueue.Ticket())).verifyComplete();

        StepVerifier.create(slots.acquire(new SlotQueue.Ticket()))
                .expectError(SlotQueue.QueueFullException.class)
                .verify(TIMEOUT);
    }

    @Test
    void cancelledWaiterLeavesTheQueueAndReleaseIsIdempotent() {
        SlotQueue slots = new SlotQueue(1, 1);
        SlotQueue.Ticket first = new SlotQueue.Ticket();
        SlotQueue.Ticket waiter = new SlotQueue.Ticket();
        StepVerifier.create(slots.acquire(first)).verifyComplete();
        StepVerifier.create(slots.acquire(waiter)).expectSubscription().thenCancel().verify(TIMEOUT);
        assertThat(slots.queued()).isEqualTo(1);

        slots.release(waiter);
        slots.release(waiter);
        slots.release(first);
        slots.release(first);

        assertThat(slots.queued()).isZero();
        // Both slots' worth of releases happened once each: exactly one new call fits without waiting.
        StepVerifier.create(slots.acquire(new SlotQueue.Ticket())).verifyComplete();
        StepVerifier.create(slots.acquire(new SlotQueue.Ticket())).expectSubscription()
                .expectNoEvent(Duration.ofMillis(50)).thenCancel().verify(TIMEOUT);
    }
}
