/**
 * An Azure Service Bus emulator for tests and local runs: AMQP 1.0 on loopback that the unmodified Service Bus SDKs
 * (Java {@code azure-messaging-servicebus}, Node {@code @azure/service-bus}) talk to with a
 * {@code UseDevelopmentEmulator=true} connection string.
 *
 * <p>Public: {@link io.matterpipeline.testkit.servicebus.ServiceBusEmulator} (start, connection string, restart,
 * counts), its options {@link io.matterpipeline.testkit.servicebus.ServiceBusEmulatorOptions} and
 * {@link io.matterpipeline.testkit.servicebus.QueueOptions}, and the {@code testkit servicebus} command. Inside,
 * one event loop owns everything:
 * <pre>
 *  socket ─ ClientConnection (proton-j transport, SASL, heartbeats)
 *             ├─ send links ──────────► EntityQueue.send (single or batch 0x80013700, duplicate detection, scheduling)
 *             ├─ receive links ◄─────── QueueConsumer ◄─ EntityQueue.dispatch (credit, peek-lock: MessageLock)
 *             ├─ dispositions ────────► Dispositions (complete / abandon / defer / dead-letter, echo settled)
 *             └─ $cbs, $management ───► ManagementNode (put-token, renew-lock, peek, schedule, update-disposition, ...)
 * </pre>
 * Not emulated: sessions, topics and subscriptions, message time-to-live expiry, transactions, throttling.
 */
package io.matterpipeline.testkit.servicebus;
