// Conformance run of the Node.js Service Bus client (@azure/service-bus) against the emulator.
// Usage: SERVICEBUS_CONNECTION_STRING=... node node-conformance.mjs
// Prints "ok <scenario>" per scenario, then "ALL OK"; on the first failure prints "FAIL <scenario>: <reason>" and exits 1.
import { ServiceBusClient } from "@azure/service-bus";

const connectionString = process.env.SERVICEBUS_CONNECTION_STRING;
const client = new ServiceBusClient(connectionString, { retryOptions: { maxRetries: 2, timeoutInMs: 10000 } });
const WAIT = { maxWaitTimeInMs: 10000 };

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

async function receiveOne(receiver) {
  const messages = await receiver.receiveMessages(1, WAIT);
  check(messages.length === 1, `expected one message, got ${messages.length}`);
  return messages[0];
}

async function withClients(queue, options, body) {
  const sender = client.createSender(queue);
  const receiver = client.createReceiver(queue, options);
  try {
    await body(sender, receiver);
  } finally {
    await receiver.close();
    await sender.close();
  }
}

const scenarios = {
  async sendReceiveComplete() {
    await withClients("nodebasic", {}, async (sender, receiver) => {
      await sender.sendMessages({ body: "hello", messageId: "n-1", applicationProperties: { matter: "M-7", page: 3 } });
      const message = await receiveOne(receiver);
      check(message.body === "hello", `body ${message.body}`);
      check(message.messageId === "n-1", `messageId ${message.messageId}`);
      check(message.applicationProperties.matter === "M-7", "application property matter");
      check(message.applicationProperties.page === 3, "application property page");
      check(message.deliveryCount === 0, `deliveryCount ${message.deliveryCount}`);
      check(message.sequenceNumber !== undefined, "sequence number");
      await receiver.completeMessage(message);
    });
  },

  async batch() {
    await withClients("nodebatch", {}, async (sender, receiver) => {
      const batch = await sender.createMessageBatch();
      for (const body of ["b1", "b2", "b3"]) {
        check(batch.tryAddMessage({ body }), "batch full");
      }
      await sender.sendMessages(batch);
      const received = [];
      while (received.length < 3) {
        const messages = await receiver.receiveMessages(3 - received.length, WAIT);
        check(messages.length > 0, `only ${received.length} of 3 batch messages arrived`);
        received.push(...messages);
      }
      check(received.map((m) => m.body).join(",") === "b1,b2,b3", `bodies ${received.map((m) => m.body)}`);
      for (const message of received) {
        await receiver.completeMessage(message);
      }
    });
  },

  async abandon() {
    await withClients("nodeabandon", {}, async (sender, receiver) => {
      await sender.sendMessages({ body: "again" });
      await receiver.abandonMessage(await receiveOne(receiver));
      const second = await receiveOne(receiver);
      check(second.deliveryCount === 1, `deliveryCount after abandon ${second.deliveryCount}`);
      await receiver.completeMessage(second);
    });
  },

  async deadLetter() {
    await withClients("nodedeadletter", {}, async (sender, receiver) => {
      await sender.sendMessages({ body: "poison", messageId: "p-1" });
      await receiver.deadLetterMessage(await receiveOne(receiver), {
        deadLetterReason: "InvalidJson",
        deadLetterErrorDescription: "Unexpected token",
      });
      const deadLetters = client.createReceiver("nodedeadletter", { subQueueType: "deadLetter" });
      try {
        const dead = await receiveOne(deadLetters);
        check(dead.body === "poison", `dead-letter body ${dead.body}`);
        check(dead.deadLetterReason === "InvalidJson", `reason ${dead.deadLetterReason}`);
        check(dead.deadLetterErrorDescription === "Unexpected token", `description ${dead.deadLetterErrorDescription}`);
        await deadLetters.completeMessage(dead);
      } finally {
        await deadLetters.close();
      }
    });
  },

  async renewLock() {
    await withClients("noderenew", { maxAutoLockRenewalDurationInMs: 0 }, async (sender, receiver) => {
      await sender.sendMessages({ body: "long" });
      const message = await receiveOne(receiver);
      const before = message.lockedUntilUtc;
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const renewed = await receiver.renewMessageLock(message);
      check(renewed.getTime() > before.getTime(), `renewed ${renewed.toISOString()} not after ${before.toISOString()}`);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await receiver.completeMessage(message);
    });
  },

  async peek() {
    await withClients("nodepeek", {}, async (sender, receiver) => {
      await sender.sendMessages([{ body: "p1" }, { body: "p2" }]);
      const peeked = await receiver.peekMessages(10);
      check(peeked.map((m) => m.body).join(",") === "p1,p2", `peeked ${peeked.map((m) => m.body)}`);
      const received = [];
      while (received.length < 2) {
        const messages = await receiver.receiveMessages(2, WAIT);
        check(messages.length > 0, "peeked messages were not left in the queue");
        received.push(...messages);
      }
      for (const message of received) {
        await receiver.completeMessage(message);
      }
    });
  },

  async receiveAndDelete() {
    await withClients("nodedelete", { receiveMode: "receiveAndDelete" }, async (sender, receiver) => {
      await sender.sendMessages({ body: "once" });
      const message = await receiveOne(receiver);
      check(message.body === "once", `body ${message.body}`);
      const more = await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 });
      check(more.length === 0, "receive-and-delete message came back");
    });
  },

  async scheduled() {
    await withClients("nodescheduled", {}, async (sender, receiver) => {
      const at = new Date(Date.now() + 1500);
      const [kept] = await sender.scheduleMessages({ body: "later" }, at);
      const [cancelled] = await sender.scheduleMessages({ body: "never" }, at);
      await sender.cancelScheduledMessages(cancelled);
      const message = await receiveOne(receiver);
      check(message.body === "later", `body ${message.body}`);
      check(message.sequenceNumber.equals(kept), `sequence ${message.sequenceNumber} vs ${kept}`);
      await receiver.completeMessage(message);
      const more = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2500 });
      check(more.length === 0, "cancelled scheduled message was delivered");
    });
  },
};

let current = "connect";
try {
  for (const [name, scenario] of Object.entries(scenarios)) {
    current = name;
    await scenario();
    console.log(`ok ${name}`);
  }
  console.log("ALL OK");
  await client.close();
  process.exit(0);
} catch (error) {
  console.log(`FAIL ${current}: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
}
