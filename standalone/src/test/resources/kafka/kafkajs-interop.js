// A second, independent Kafka client (kafkajs) against the pipeline's broker:
// 1. reads the MatterCompleted record the aggregator wrote for <matterId> from matters-completed, headers included;
// 2. produces two records on `pages` that no pipeline code wrote: garbage bytes, and a record whose `type` header
//    is not UTF-8. Prints the record read as one JSON line.
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, matterId] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'kafkajs-interop', brokers: [bootstrap], logLevel: logLevel.NOTHING });

async function readCompleted() {
  const consumer = kafka.consumer({ groupId: `kafkajs-interop-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: 'matters-completed', fromBeginning: true });
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no MatterCompleted for ${matterId}`)), 60000);
      consumer.run({
        eachMessage: async ({ message }) => {
          const value = JSON.parse(message.value.toString('utf8'));
          if (value.matterId === matterId) {
            clearTimeout(timer);
            const headers = {};
            for (const [name, header] of Object.entries(message.headers)) {
              headers[name] = header.toString('utf8');
            }
            resolve({ key: message.key && message.key.toString('utf8'), headers, value });
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
}

async function produceForeignRecords() {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: 'pages',
    messages: [
      { key: 'kafkajs-garbage', value: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x7b]) },
      { key: 'kafkajs-bad-header', value: Buffer.from('{}'),
        headers: { id: 'kafkajs-bad-header', type: Buffer.from([0xc3, 0x28]) } },
    ],
  });
  await producer.disconnect();
}

(async () => {
  const completed = await readCompleted();
  await produceForeignRecords();
  console.log(JSON.stringify(completed));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
