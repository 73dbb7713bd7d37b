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
    void generationRunsFromArrivalWhenASlotWasFreeAndFromTheHandOverWhenTheCallWaited() {
        Duration generation = Duration.ofHours(1);
        SlotQueue slots = new SlotQueue(1, 1);
        SlotQueue.Ticket first = new SlotQueue.Ticket();
        SlotQueue.Ticket second = new SlotQueue.Ticket();
        StepVerifier.create(slots.acquire(first)).verifyComplete();

        // Time spent after arrival (reading the request, composing the answer) is part of the generation time.
        assertThat(first.generationLeft(generation, 0, Duration.ofMinutes(20).toNanos()))
                .isEqualTo(Duration.ofMinutes(40));
        assertThat(first.generationLeft(generation, 0, Duration.ofHours(2).toNanos())).isZero();

        long arrival = System.nanoTime() - Duration.ofHours(3).toNanos();
        StepVerifier.create(slots.acquire(second)).expectSubscription()
                .then(() -> slots.release(first))
                .expectComplete()
                .verify(TIMEOUT);
        // It waited: its generation began when it got the slot, hours after it arrived, so most of it is left.
        assertThat(second.generationLeft(generation, arrival, System.nanoTime()))
                .isPositive().isLessThanOrEqualTo(generation);
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
