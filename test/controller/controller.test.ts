// The controller node driven directly, with hand-made requests and a hand-turned clock:
// registration and heartbeats (ClusterControlManager.registerBroker,
// ReplicationControlManager.processBrokerHeartbeat, BrokerHeartbeatManager), the stale
// broker check (QuorumController.maybeFenceStaleBroker: one broker per run, the next run
// 10 ms later), and AlterPartition validation (ReplicationControlManager.
// validateAlterPartitionData, in Kafka's order).

import seedrandom from 'seedrandom'
import { describe, expect, it } from 'vitest'
import type { AdminResult } from '../../core/controller/admin.ts'
import { Controller } from '../../core/controller/controller.ts'
import type { PartitionState } from '../../core/metadata/image.ts'
import type { Message, NodeContext, NodeId, TraceData } from '../../core/node.ts'
import type {
  AlterPartitionItem,
  AlterPartitionResponse,
  BrokerHeartbeatResponse,
  BrokerRegistrationResponse,
} from '../../core/protocol.ts'
import { Disk } from '../../sim/disk.ts'

/** PeriodicTask.IMMEDIATE_PERIOD_NS: a periodic task that did work runs again 10 ms later. */
const IMMEDIATE_RERUN_MS = 10

interface Timer {
  id: number
  at: number
  name: string
  data: unknown
  cancelled: boolean
}

/** A Controller with a clock, timers and a network that the test turns by hand. */
class Harness {
  nowMs = 0
  readonly sent: { to: NodeId; message: Message }[] = []
  readonly events: { at: number; type: string; data: TraceData }[] = []
  private readonly timers: Timer[] = []
  private nextTimer = 1
  private correlation = 1
  readonly controller: Controller
  readonly epochs = new Map<number, number>()

  constructor(config: Record<string, unknown> = {}) {
    const random = seedrandom.alea('controller') as () => number
    const disk = new Disk()
    const harness = this
    const ctx: NodeContext = {
      id: 'controller-1',
      get now() {
        return harness.nowMs
      },
      send: (to, message) => void this.sent.push({ to, message }),
      setTimer: (delayMs, name, data) => {
        const timer = { id: this.nextTimer++, at: this.nowMs + delayMs, name, data, cancelled: false }
        this.timers.push(timer)
        return timer.id
      },
      cancelTimer: (id) => {
        const timer = this.timers.find((t) => t.id === id)
        if (timer) timer.cancelled = true
      },
      random,
      emit: (type, data = {}) => void this.events.push({ at: this.nowMs, type, data }),
      storage: disk,
    }
    this.controller = new Controller(ctx, config)
    this.controller.start()
  }

  /** Runs the controller's timers due within `ms`, in time order. */
  advance(ms: number): void {
    const until = this.nowMs + ms
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0]
      if (!due) break
      due.cancelled = true
      this.nowMs = due.at
      this.controller.onTimer(due.name, due.data)
    }
    this.nowMs = until
  }

  /** Sends a request from broker `from` and returns the controller's answer. */
  request<R extends Message>(from: number, message: Record<string, unknown> & { type: string }): R {
    const correlationId = this.correlation++
    const before = this.sent.length
    this.controller.onMessage(from, { ...message, correlationId } as Message)
    const answer = this.sent.slice(before).find((s) => s.to === from && (s.message as { correlationId?: number }).correlationId === correlationId)
    if (!answer) throw new Error(`no answer to ${message.type}`)
    return answer.message as R
  }

  register(brokerId: number, incarnationId = `inc-${brokerId}`): BrokerRegistrationResponse {
    const response = this.request<BrokerRegistrationResponse>(brokerId, { type: 'BrokerRegistration', brokerId, incarnationId })
    if (response.errorCode === 'NONE') this.epochs.set(brokerId, response.brokerEpoch)
    return response
  }

  heartbeat(brokerId: number, options: { epoch?: number; offset?: number; wantFence?: boolean } = {}): BrokerHeartbeatResponse {
    return this.request<BrokerHeartbeatResponse>(brokerId, {
      type: 'BrokerHeartbeat',
      brokerId,
      brokerEpoch: options.epoch ?? this.epochs.get(brokerId) ?? -1,
      currentMetadataOffset: options.offset ?? this.controller.image.offset,
      wantFence: options.wantFence ?? false,
    })
  }

  /** Registers and unfences brokers 1..n. */
  startBrokers(n: number): void {
    for (let id = 1; id <= n; id++) this.register(id)
    for (let id = 1; id <= n; id++) expect(this.heartbeat(id).isFenced).toBe(false)
  }

  admin(command: Record<string, unknown>): AdminResult {
    return this.controller.onCommand(command)
  }

  partition(topic: string, partition = 0): PartitionState {
    return this.controller.image.topic(topic)!.partitions.get(partition)!
  }

  isFenced(id: number): boolean {
    return !this.controller.image.isUnfenced(id)
  }

  alterPartition(from: number, items: AlterPartitionItem[], brokerEpoch = this.epochs.get(from)!): AlterPartitionResponse {
    return this.request<AlterPartitionResponse>(from, { type: 'AlterPartition', brokerId: from, brokerEpoch, partitions: items })
  }

  /** The AlterPartition item a leader would send to move `topic`-`partition` to `isr`. */
  item(topic: string, isr: number[], changes: Partial<AlterPartitionItem> = {}, partition = 0): AlterPartitionItem {
    const state = this.partition(topic, partition)
    return {
      topicId: state.topicId,
      partition,
      leaderEpoch: state.leaderEpoch,
      partitionEpoch: state.partitionEpoch,
      newIsr: isr.map((brokerId) => ({ brokerId, brokerEpoch: this.epochs.get(brokerId) ?? -1 })),
      leaderRecoveryState: state.leaderRecoveryState,
      ...changes,
    }
  }
}

describe('registration and heartbeats', () => {
  it('registers a broker fenced, with the broker epoch = the offset its registration batch starts at', () => {
    const h = new Harness()
    const offset = h.controller.image.offset
    const response = h.register(1)
    expect(response).toMatchObject({ errorCode: 'NONE', brokerEpoch: offset + 1 })
    expect(h.controller.image.brokers.get(1)).toMatchObject({ brokerEpoch: offset + 1, fenced: true, registrationOffset: offset + 1 })
  })

  it('unfences on the first heartbeat that does not ask to stay fenced and whose metadata offset reached the registration record', () => {
    const h = new Harness()
    h.register(1)
    const registrationOffset = h.controller.image.brokers.get(1)!.registrationOffset
    expect(h.heartbeat(1, { offset: registrationOffset - 1 })).toMatchObject({ errorCode: 'NONE', isCaughtUp: false, isFenced: true })
    expect(h.heartbeat(1, { offset: registrationOffset, wantFence: true })).toMatchObject({ errorCode: 'NONE', isCaughtUp: true, isFenced: true })
    expect(h.isFenced(1)).toBe(true)
    expect(h.heartbeat(1, { offset: registrationOffset })).toMatchObject({ errorCode: 'NONE', isCaughtUp: true, isFenced: false })
    expect(h.isFenced(1)).toBe(false)
  })

  it('answers STALE_BROKER_EPOCH to a heartbeat of an unknown broker or an old epoch, and keeps it fenced', () => {
    const h = new Harness()
    expect(h.heartbeat(7, { epoch: 0 })).toMatchObject({ errorCode: 'STALE_BROKER_EPOCH', isFenced: true })
    h.register(1)
    expect(h.heartbeat(1, { epoch: h.epochs.get(1)! + 1 })).toMatchObject({ errorCode: 'STALE_BROKER_EPOCH', isFenced: true })
    expect(h.isFenced(1)).toBe(true)
  })

  it('a registration retried by the same incarnation gets the same epoch and writes nothing (KAFKA-16952)', () => {
    const h = new Harness()
    const first = h.register(1, 'same')
    const offset = h.controller.image.offset
    expect(h.register(1, 'same')).toMatchObject({ errorCode: 'NONE', brokerEpoch: first.brokerEpoch })
    expect(h.controller.image.offset).toBe(offset)
  })

  it('refuses a new incarnation with DUPLICATE_BROKER_REGISTRATION while the old one heartbeated within the session; accepts it once the session expired', () => {
    const h = new Harness()
    h.startBrokers(1)
    const sessionMs = h.controller.config['broker.session.timeout.ms']
    h.advance(sessionMs) // last contact + session == now: still valid (expiry is strictly after)
    expect(h.register(1, 'new')).toMatchObject({ errorCode: 'DUPLICATE_BROKER_REGISTRATION', brokerEpoch: -1 })
    expect(h.events.at(-1)).toMatchObject({ type: 'broker-registration-rejected', data: { brokerId: 1, reason: 'DUPLICATE_BROKER_REGISTRATION' } })
    h.nowMs += 1
    const oldEpoch = h.epochs.get(1)!
    expect(h.register(1, 'new')).toMatchObject({ errorCode: 'NONE' })
    expect(h.epochs.get(1)).toBeGreaterThan(oldEpoch)
    expect(h.controller.image.brokers.get(1)).toMatchObject({ incarnationId: 'new', fenced: true })
  })
})

describe('stale broker fencing (maybeFenceStaleBroker)', () => {
  it('fences a silent broker strictly after the session timeout, checked every session/8; one broker per run, the longest-silent first, the next 10 ms later', () => {
    const h = new Harness()
    h.startBrokers(3)
    const sessionMs = h.controller.config['broker.session.timeout.ms']
    const periodMs = sessionMs / 8
    h.advance(100)
    h.heartbeat(3) // 3 stays in contact the longest
    h.advance(100)
    h.heartbeat(3)
    h.advance(3 * sessionMs)
    const fencedAt = new Map<number, number>()
    for (const e of h.events) {
      const match = e.type === 'metadata-records' && /^fence broker (\d+)/.exec(String(e.data.cause))
      if (match) fencedAt.set(Number(match[1]), e.at)
    }
    expect([...fencedAt.keys()]).toEqual([1, 2, 3])
    // Brokers 1 and 2 went silent at time 0 (a tie: the lower id first); broker 3 at 200.
    expect(fencedAt.get(1)! > sessionMs && fencedAt.get(1)! <= sessionMs + periodMs).toBe(true)
    expect(fencedAt.get(2)! - fencedAt.get(1)!).toBe(IMMEDIATE_RERUN_MS)
    // Broker 3: the first check after its expiry, plus one rerun for each stale broker fenced before it.
    expect(fencedAt.get(3)! > 200 + sessionMs && fencedAt.get(3)! <= 200 + sessionMs + periodMs + 2 * IMMEDIATE_RERUN_MS).toBe(true)
  })

  it('a fenced broker that heartbeats again with its registration epoch is unfenced, and leads its leaderless partitions again', () => {
    const h = new Harness({ 'auto.leader.rebalance.enable': false })
    h.startBrokers(2)
    h.admin({ op: 'createTopic', name: 't', assignments: [[1, 2]] })
    h.heartbeat(2)
    h.advance(4000)
    h.heartbeat(1)
    h.advance(4000)
    h.heartbeat(1)
    h.advance(4000)
    expect(h.isFenced(2)).toBe(true)
    expect(h.partition('t')).toMatchObject({ leader: 1, isr: [1] })
    h.advance(10_000)
    expect(h.isFenced(1)).toBe(true)
    expect(h.partition('t')).toMatchObject({ leader: -1, isr: [1] })
    expect(h.heartbeat(1)).toMatchObject({ errorCode: 'NONE', isFenced: false })
    expect(h.partition('t')).toMatchObject({ leader: 1, isr: [1] })
    // Broker 2 is unfenced too, but is not put back into the ISR by the controller: that takes an AlterPartition.
    expect(h.heartbeat(2).isFenced).toBe(false)
    expect(h.partition('t').isr).toEqual([1])
  })
})

describe('AlterPartition (validateAlterPartitionData)', () => {
  function cluster(): Harness {
    const h = new Harness({ 'auto.leader.rebalance.enable': false })
    h.startBrokers(4)
    h.admin({ op: 'createTopic', name: 't', assignments: [[1, 2, 3]] })
    h.admin({ op: 'createTopic', name: 'u', assignments: [[1, 2, 3]] })
    return h
  }

  it('applies a valid shrink and expand from the leader: the ISR changes, the partition epoch bumps, the leader epoch does not', () => {
    const h = cluster()
    const before = h.partition('t')
    const shrink = h.alterPartition(1, [h.item('t', [1, 2])])
    expect(shrink).toMatchObject({ errorCode: 'NONE', partitions: [{ errorCode: 'NONE', leaderId: 1, isr: [1, 2], leaderEpoch: before.leaderEpoch, partitionEpoch: before.partitionEpoch + 1 }] })
    const expand = h.alterPartition(1, [h.item('t', [1, 2, 3])])
    expect(expand.partitions[0]).toMatchObject({ errorCode: 'NONE', isr: [1, 2, 3], leaderEpoch: before.leaderEpoch, partitionEpoch: before.partitionEpoch + 2 })
    expect(h.partition('t')).toMatchObject({ isr: [1, 2, 3], leaderEpoch: before.leaderEpoch, partitionEpoch: before.partitionEpoch + 2 })
  })

  it('refuses a whole request with STALE_BROKER_EPOCH when the sender’s broker epoch is not its registration’s', () => {
    const h = cluster()
    const offset = h.controller.image.offset
    const response = h.alterPartition(1, [h.item('t', [1, 2])], h.epochs.get(1)! + 100)
    expect(response).toEqual({ type: 'AlterPartitionResponse', correlationId: expect.any(Number), errorCode: 'STALE_BROKER_EPOCH', partitions: [] })
    expect(h.controller.image.offset).toBe(offset)
  })

  it('refuses each bad item with Kafka’s error, in Kafka’s order, and writes nothing for it', () => {
    const h = cluster()
    const t = h.partition('t')
    const cases: [string, number, AlterPartitionItem, string][] = [
      ['unknown topic id', 1, h.item('t', [1, 2], { topicId: 'ZZZZZZZZZZZZZZZZZZZZZZ' }), 'UNKNOWN_TOPIC_ID'],
      ['unknown partition', 1, h.item('t', [1, 2], { partition: 9 }), 'UNKNOWN_TOPIC_OR_PARTITION'],
      ['leader epoch ahead of the controller', 1, h.item('t', [1, 2], { leaderEpoch: t.leaderEpoch + 1 }), 'NOT_CONTROLLER'],
      ['partition epoch ahead of the controller', 1, h.item('t', [1, 2], { partitionEpoch: t.partitionEpoch + 1 }), 'NOT_CONTROLLER'],
      ['sender not the leader', 2, h.item('t', [2, 3]), 'INVALID_REQUEST'],
      ['ISR with a non-replica', 1, h.item('t', [1, 2, 4]), 'INVALID_REQUEST'],
      ['ISR with a duplicate', 1, h.item('t', [1, 2, 2]), 'INVALID_REQUEST'],
      ['ISR without the leader', 1, h.item('t', [2, 3]), 'INVALID_REQUEST'],
      ['RECOVERING with more than the leader', 1, h.item('t', [1, 2], { leaderRecoveryState: 'RECOVERING' }), 'INVALID_REQUEST'],
      ['RECOVERED back to RECOVERING', 1, h.item('t', [1], { leaderRecoveryState: 'RECOVERING' }), 'INVALID_REQUEST'],
      ['the epoch check comes before the sender check', 2, h.item('t', [2, 3], { leaderEpoch: t.leaderEpoch + 1 }), 'NOT_CONTROLLER'],
      ['the sender check comes before the partition epoch check', 2, h.item('t', [2, 3], { partitionEpoch: t.partitionEpoch - 1 }), 'INVALID_REQUEST'],
      ['the partition epoch check comes before the member checks', 1, { ...h.item('t', [1, 2], { partitionEpoch: t.partitionEpoch - 1 }), newIsr: [{ brokerId: 1, brokerEpoch: -1 }, { brokerId: 2, brokerEpoch: 12345 }] }, 'INVALID_UPDATE_VERSION'],
      ['a member with another broker epoch', 1, { ...h.item('t', [1, 2]), newIsr: [{ brokerId: 1, brokerEpoch: h.epochs.get(1)! }, { brokerId: 2, brokerEpoch: h.epochs.get(2)! + 1 }] }, 'INELIGIBLE_REPLICA'],
    ]
    for (const [why, from, item, errorCode] of cases) {
      const offset = h.controller.image.offset
      const response = h.alterPartition(from, [item])
      expect(response.errorCode, why).toBe('NONE')
      expect(response.partitions.map((p) => p.errorCode), why).toEqual([errorCode])
      expect(h.controller.image.offset, why).toBe(offset)
    }
    // A broker epoch of -1 skips the epoch check.
    const unknownEpoch = h.alterPartition(1, [{ ...h.item('t', [1, 2]), newIsr: [{ brokerId: 1, brokerEpoch: -1 }, { brokerId: 2, brokerEpoch: -1 }] }])
    expect(unknownEpoch.partitions[0]!.errorCode).toBe('NONE')
    // An older partition epoch (the shrink above moved it on): INVALID_UPDATE_VERSION.
    const stalePartitionEpoch = { ...h.item('t', [1, 2, 3]), partitionEpoch: h.partition('t').partitionEpoch - 1 }
    expect(h.alterPartition(1, [stalePartitionEpoch]).partitions[0]!.errorCode).toBe('INVALID_UPDATE_VERSION')
  })

  it('refuses to add a fenced broker (INELIGIBLE_REPLICA) but lets a shrink drop one', () => {
    const h = cluster()
    h.alterPartition(1, [h.item('t', [1, 2])])
    // Broker 3 goes silent and is fenced; 1 and 2 keep heartbeating.
    for (let i = 0; i < 8; i++) {
      h.advance(1500)
      h.heartbeat(1)
      h.heartbeat(2)
      h.heartbeat(4)
    }
    expect(h.isFenced(3)).toBe(true)
    expect(h.alterPartition(1, [h.item('t', [1, 2, 3])]).partitions[0]!.errorCode).toBe('INELIGIBLE_REPLICA')
    expect(h.partition('t').isr).toEqual([1, 2])
    // The fence already took 3 out of u's ISR; a shrink dropping 2 is fine.
    expect(h.partition('u').isr).toEqual([1, 2])
    expect(h.alterPartition(1, [h.item('u', [1])]).partitions[0]!.errorCode).toBe('NONE')
  })

  it('applies the valid items of a request and refuses the others (not atomic)', () => {
    const h = cluster()
    const response = h.alterPartition(1, [h.item('t', [1, 2]), h.item('u', [2, 3])])
    expect(response.partitions.map((p) => p.errorCode)).toEqual(['NONE', 'INVALID_REQUEST'])
    expect(h.partition('t').isr).toEqual([1, 2])
    expect(h.partition('u').isr).toEqual([1, 2, 3])
  })

  it('FENCED_LEADER_EPOCH for a leader epoch older than the controller’s', () => {
    const h = cluster()
    const old = h.item('t', [1, 2])
    // Broker 1 is fenced (leadership moves to 2), then comes back and is preferred again.
    for (let i = 0; i < 8; i++) {
      h.advance(1500)
      h.heartbeat(2)
      h.heartbeat(3)
      h.heartbeat(4)
    }
    expect(h.isFenced(1)).toBe(true)
    expect(h.heartbeat(1).isFenced).toBe(false)
    h.alterPartition(2, [h.item('t', [2, 3, 1])])
    expect(h.admin({ op: 'electLeaders', electionType: 'PREFERRED', partitions: [{ topic: 't', partition: 0 }] }).partitions).toMatchObject([{ errorCode: 'NONE' }])
    expect(h.partition('t').leader).toBe(1)
    expect(h.partition('t').leaderEpoch).toBeGreaterThan(old.leaderEpoch)
    expect(h.alterPartition(1, [old]).partitions[0]!.errorCode).toBe('FENCED_LEADER_EPOCH')
  })
})
