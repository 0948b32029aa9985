// Replica placement for new partitions, as Kafka's StripedReplicaPlacer does it without
// racks (metadata/.../placement/StripedReplicaPlacer.java):
// - the leader (first replica) is always an unfenced broker; followers come from the
//   unfenced brokers too, and only when those run out from fenced ones;
// - brokers are taken in id order from a random starting point, and each partition starts
//   one broker further along, so leaders and replicas stripe across the cluster;
// - after every broker has led once, the lists are shuffled and striping starts again.
// The randomness is the controller's own seeded stream, so placement replays exactly.

import { KafkaError } from '../errors.ts'

/** One sorted list of brokers walked round-robin from a random offset (BrokerList). */
class BrokerRing {
  private epoch = 0
  private index = 0
  private offset: number

  constructor(
    private brokers: number[],
    random: () => number,
  ) {
    this.offset = brokers.length === 0 ? 0 : Math.floor(random() * brokers.length)
  }

  get size(): number {
    return this.brokers.length
  }

  /** The next broker for partition `epoch`, or -1 when every broker was handed out. */
  next(epoch: number): number {
    if (this.epoch !== epoch) {
      this.epoch = epoch
      this.index = 0
      this.offset = (this.offset + 1) % this.brokers.length
    }
    if (this.index >= this.brokers.length) return -1
    const broker = this.brokers[(this.index + this.offset) % this.brokers.length]!
    this.index++
    return broker
  }

  shuffle(random: () => number): void {
    const shuffled = this.brokers.slice()
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      const held = shuffled[i]!
      shuffled[i] = shuffled[j]!
      shuffled[j] = held
    }
    this.brokers = shuffled
  }
}

/**
 * Places `partitions` new partitions of `replicationFactor` replicas each. Throws
 * INVALID_REPLICATION_FACTOR with Kafka's wording when it cannot.
 */
export function placeReplicas(
  unfencedBrokerIds: readonly number[],
  fencedBrokerIds: readonly number[],
  partitions: number,
  replicationFactor: number,
  random: () => number,
): number[][] {
  if (replicationFactor <= 0) {
    throw new KafkaError('INVALID_REPLICATION_FACTOR', `Invalid replication factor ${replicationFactor}: the replication factor must be positive.`)
  }
  if (unfencedBrokerIds.length === 0) throw new KafkaError('INVALID_REPLICATION_FACTOR', 'All brokers are currently fenced.')
  const total = unfencedBrokerIds.length + fencedBrokerIds.length
  if (replicationFactor > total) {
    throw new KafkaError(
      'INVALID_REPLICATION_FACTOR',
      `The target replication factor of ${replicationFactor} cannot be reached because only ${total} broker(s) are registered.`,
    )
  }
  const unfenced = new BrokerRing([...unfencedBrokerIds].sort((a, b) => a - b), random)
  const fenced = new BrokerRing([...fencedBrokerIds].sort((a, b) => a - b), random)
  const placements: number[][] = []
  let epoch = 0
  for (let p = 0; p < partitions; p++) {
    if (epoch === unfenced.size && unfenced.size > 1) {
      unfenced.shuffle(random)
      if (fenced.size > 1) fenced.shuffle(random)
      epoch = 0
    }
    const replicas = [unfenced.next(epoch)]
    while (replicas.length < replicationFactor) {
      let broker = unfenced.next(epoch)
      if (broker < 0) broker = fenced.next(epoch)
      replicas.push(broker)
    }
    placements.push(replicas)
    epoch++
  }
  return placements
}
