// The producer example of ../shared/seed-kafka-overview.md ("Producer Example"), unchanged
// except for the import and the construction of Kafka, run against a simulated cluster.

import { describe, expect, it } from 'vitest'
import { createCluster } from '../../sim/cluster.ts'
import { committedLogs } from '../../sim/checkers/history.ts'

describe('the seed producer example on a simulated cluster', () => {
  it('sends one message and a batch of two, which the log then holds in order', async () => {
    const cluster = createCluster({ seed: 7, brokers: 3 })
    cluster.createTopic('user-events', { partitions: 3, replicationFactor: 3 })
    const startMs = cluster.now

    // ---- from the seed, with `new Kafka({...})` replaced by `cluster.kafka({...})` ----
    const kafka = cluster.kafka({
      clientId: 'my-app',
      brokers: ['localhost:9092']
    });

    const producer = kafka.producer();

    async function sendMessage() {
      await producer.connect();

      // Send single message
      await producer.send({
        topic: 'user-events',
        messages: [
          {
            key: 'user:123',
            value: JSON.stringify({
              userId: 123,
              action: 'login',
              timestamp: Date.now()
            })
          }
        ]
      });

      // Send multiple messages
      await producer.sendBatch({
        topicMessages: [
          {
            topic: 'user-events',
            messages: [
              { key: 'user:123', value: JSON.stringify({ action: 'login' }) },
              { key: 'user:124', value: JSON.stringify({ action: 'logout' }) }
            ]
          }
        ]
      });

      await producer.disconnect();
    }

    await sendMessage()
    // ---- end of the seed's code ----

    expect(cluster.now).toBeGreaterThan(startMs) // the sends took simulated time
    const logs = committedLogs(cluster)
    const all = [...logs.values()].flat()
    expect(all.map((r) => r.key).sort()).toEqual(['user:123', 'user:123', 'user:124'])
    // Same key, same partition, in send order.
    const user123 = [...logs.entries()].filter(([, records]) => records.some((r) => r.key === 'user:123'))
    expect(user123).toHaveLength(1)
    const [, records] = user123[0]!
    expect(records.filter((r) => r.key === 'user:123').map((r) => JSON.parse(r.value!).action)).toEqual(['login', 'login'])
    expect(JSON.parse(records[0]!.value!).userId).toBe(123)
  })
})
