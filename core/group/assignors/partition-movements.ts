// The general sticky algorithm's record of partitions moved during one assignment, used so that
// when it must move a partition of some topic from member A to member B after having moved one
// of that topic from B to A, it moves that same one back instead of a different one.
// Source: AbstractStickyAssignor.PartitionMovements (clients/src/main/java/org/apache/kafka/
// clients/consumer/internals/AbstractStickyAssignor.java). Its isSticky()/cycle check is a
// diagnostic Kafka logs from; it is not needed here.

import type { TopicPartitionRef } from './types.ts'
import { refKey } from './common.ts'
import { JavaHashOrder, topicPartitionHashCode } from './java-order.ts'

interface ConsumerPair {
  src: string
  dst: string
}

function pairKey(src: string, dst: string): string {
  return JSON.stringify([src, dst])
}

function newPartitionSet(): JavaHashOrder<TopicPartitionRef> {
  // A java.util.HashSet<TopicPartition>: which element "first" is depends on hash order.
  return new JavaHashOrder<TopicPartitionRef>((tp) => topicPartitionHashCode(tp.topic, tp.partition), refKey)
}

export class PartitionMovements {
  private readonly byTopic = new Map<string, Map<string, JavaHashOrder<TopicPartitionRef>>>()
  private readonly movements = new Map<string, ConsumerPair>()

  private removeRecord(tp: TopicPartitionRef): ConsumerPair {
    const key = refKey(tp)
    const pair = this.movements.get(key)!
    this.movements.delete(key)
    const forTopic = this.byTopic.get(tp.topic)!
    const set = forTopic.get(pairKey(pair.src, pair.dst))!
    set.delete(tp)
    if (set.size === 0) forTopic.delete(pairKey(pair.src, pair.dst))
    if (forTopic.size === 0) this.byTopic.delete(tp.topic)
    return pair
  }

  private addRecord(tp: TopicPartitionRef, pair: ConsumerPair): void {
    this.movements.set(refKey(tp), pair)
    let forTopic = this.byTopic.get(tp.topic)
    if (forTopic === undefined) this.byTopic.set(tp.topic, (forTopic = new Map()))
    const key = pairKey(pair.src, pair.dst)
    let set = forTopic.get(key)
    if (set === undefined) forTopic.set(key, (set = newPartitionSet()))
    set.add(tp)
  }

  movePartition(tp: TopicPartitionRef, oldConsumer: string, newConsumer: string): void {
    const existing = this.movements.has(refKey(tp)) ? this.removeRecord(tp) : null
    if (existing === null) {
      this.addRecord(tp, { src: oldConsumer, dst: newConsumer })
    } else if (existing.src !== newConsumer) {
      // Moved before and not back to where it started: one movement from the original owner.
      this.addRecord(tp, { src: existing.src, dst: newConsumer })
    }
  }

  /** The partition to move from oldConsumer to newConsumer instead of `tp`, undoing an earlier move. */
  actualPartitionToMove(tp: TopicPartitionRef, oldConsumer: string, newConsumer: string): TopicPartitionRef {
    const forTopic = this.byTopic.get(tp.topic)
    if (forTopic === undefined) return tp
    const earlier = this.movements.get(refKey(tp))
    const from = earlier !== undefined ? earlier.src : oldConsumer
    const reverse = forTopic.get(pairKey(newConsumer, from))
    if (reverse === undefined) return tp
    return reverse.first()!
  }
}
