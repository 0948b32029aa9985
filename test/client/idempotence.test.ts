// The idempotent producer's sequence bookkeeping, alone: what may be sent, when the epoch is
// bumped, and how batches are renumbered (TransactionManager's idempotent rules).

import { describe, expect, it } from 'vitest'
import { ProducerBatch } from '../../core/client/producer/accumulator.ts'
import { IdempotentSequences } from '../../core/client/producer/idempotence.ts'

function batch(records = 1): ProducerBatch {
  const b = new ProducerBatch('t', 0, 0, 16_384)
  for (let i = 0; i < records; i++) b.tryAppend({ key: null, value: 'v', timestamp: 0 }, { id: i, topic: 't', partition: 0, key: null, value: 'v', sentAtMs: 0, status: 'pending' }, 10)
  return b
}

function started(): IdempotentSequences {
  const sequences = new IdempotentSequences()
  sequences.setProducerIdAndEpoch(7, 0)
  return sequences
}

/** Sends: may it go, then number it, as the sender does. */
function send(sequences: IdempotentSequences, b: ProducerBatch): void {
  expect(sequences.maySend(b)).toBe(true)
  sequences.assign(b)
}

describe('idempotent sequences', () => {
  it('nothing is sent before the producer has an id', () => {
    expect(new IdempotentSequences().maySend(batch())).toBe(false)
  })

  it('batches are numbered by records, per partition, from 0', () => {
    const sequences = started()
    const [a, b] = [batch(3), batch(2)]
    send(sequences, a)
    send(sequences, b)
    expect([a.producerId, a.producerEpoch, a.baseSequence, b.baseSequence]).toEqual([7, 0, 0, 3])
  })

  it('a retry goes only when it is the lowest incomplete sequence', () => {
    const sequences = started()
    const [a, b] = [batch(), batch()]
    send(sequences, a)
    send(sequences, b)
    expect(sequences.maySend(b)).toBe(false) // b failed and is retried, but a is still out
    sequences.completed(a)
    expect(sequences.maySend(b)).toBe(true)
  })

  it('OUT_OF_ORDER behind a pending predecessor is retried without a bump', () => {
    const sequences = started()
    const [a, b] = [batch(), batch()]
    send(sequences, a)
    send(sequences, b)
    sequences.onOutOfOrderSequence(b)
    expect(sequences.beforeDrain()).toBeNull()
    expect(b.baseSequence).toBe(1)
  })

  it('OUT_OF_ORDER for the very next sequence is a real gap: the epoch is bumped and the partition renumbered from 0', () => {
    const sequences = started()
    const [a, b, c] = [batch(2), batch(), batch()]
    send(sequences, a)
    send(sequences, b)
    send(sequences, c)
    sequences.completed(a)
    sequences.onOutOfOrderSequence(b) // b is lastAcked + 1, yet refused
    expect(sequences.beforeDrain()).toBe(1)
    expect([b.producerEpoch, b.baseSequence, b.sequenceHasBeenReset]).toEqual([1, 0, true])
    expect([c.producerEpoch, c.baseSequence]).toEqual([1, 1])
    const d = batch()
    send(sequences, d)
    expect([d.producerEpoch, d.baseSequence]).toEqual([1, 2])
  })

  it('a batch refused for good after it was sent bumps the epoch; other partitions restart at 0 once their batches are done', () => {
    const sequences = started()
    const a = batch()
    send(sequences, a)
    const other = new ProducerBatch('t', 1, 0, 16_384)
    other.tryAppend({ key: null, value: 'v', timestamp: 0 }, { id: 9, topic: 't', partition: 1, key: null, value: 'v', sentAtMs: 0, status: 'pending' }, 10)
    send(sequences, other)
    sequences.failed(a, 'refused')
    expect(sequences.beforeDrain()).toBe(1)
    // Partition 1 still has a batch of epoch 0 out: its new batches wait.
    const next = new ProducerBatch('t', 1, 0, 16_384)
    next.tryAppend({ key: null, value: 'v', timestamp: 0 }, { id: 10, topic: 't', partition: 1, key: null, value: 'v', sentAtMs: 0, status: 'pending' }, 10)
    expect(sequences.maySend(next)).toBe(false)
    sequences.completed(other)
    send(sequences, next)
    expect([next.producerEpoch, next.baseSequence]).toEqual([1, 0])
  })

  it('an expired retried batch leaves its sequence unresolved: new batches wait; resolved without a bump when later ones were acknowledged', () => {
    const sequences = started()
    const [a, b] = [batch(), batch()]
    send(sequences, a)
    send(sequences, b)
    a.attempts = 1
    sequences.failed(a, 'expired')
    const c = batch()
    expect(sequences.maySend(c)).toBe(false)
    sequences.completed(b) // b (after a) was written, so a was too
    expect(sequences.beforeDrain()).toBeNull()
    send(sequences, c)
    expect(c.baseSequence).toBe(2)
  })

  it('an expired retried batch with nothing acknowledged after it: the epoch is bumped', () => {
    const sequences = started()
    const a = batch()
    send(sequences, a)
    a.attempts = 1
    sequences.failed(a, 'expired')
    expect(sequences.beforeDrain()).toBe(1)
    const b = batch()
    send(sequences, b)
    expect([b.producerEpoch, b.baseSequence]).toEqual([1, 0])
  })
})
