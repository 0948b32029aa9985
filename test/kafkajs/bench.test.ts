// The order-to-inventory benchmark, small: every order is sent, consumed and answered once.
// (Its wall time is reported by the benchmark, never asserted.)

import { describe, expect, it } from 'vitest'
import { benchKafkajs } from '../../sim/kafkajs/bench.ts'

describe('bench kafkajs', () => {
  it('300 orders: all sent, consumed and answered with an inventory update', async () => {
    let tick = 0
    const result = await benchKafkajs(() => (tick += 1), 300)
    expect(result).toMatchObject({ case: 'kafkajs', orders: 300, sent: 300, consumed: 300, inventoryUpdates: 300 })
    expect(result.simTimeMs).toBeGreaterThan(0)
  })
})
