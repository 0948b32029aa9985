// Helpers for the group tests: a probe client that sends group requests as told and keeps
// every response, so that tests can drive the coordinator request by request.

import type { Message, NodeContext, NodeId, SimNode } from '../../core/node.ts'
import type { FindCoordinatorResponse, GroupRequest, JoinGroupRequest, OffsetCommitResponse, OffsetFetchResponse } from '../../core/protocol.ts'
import { createCluster, type Cluster } from '../../sim/cluster.ts'
import type { GroupView } from '../../core/group/coordinator.ts'
import type { TraceRecord } from '../../sim/trace.ts'

type WithoutCorrelation<T> = T extends unknown ? Omit<T, 'correlationId'> : never
export type ProbeRequest = WithoutCorrelation<GroupRequest>

/** A node that sends each request it is given and keeps the answers by correlation id. */
export class ProbeClient implements SimNode {
  readonly responses = new Map<number, Message & Record<string, unknown>>()
  private nextId = 1

  constructor(private readonly ctx: NodeContext) {}

  onMessage(_from: NodeId, message: Message): void {
    const m = message as Message & { correlationId: number }
    this.responses.set(m.correlationId, m as unknown as Message & Record<string, unknown>)
  }

  onTimer(): void {}

  onCommand(command: unknown): unknown {
    const { to, request } = command as { to: number; request: ProbeRequest }
    const correlationId = this.nextId++
    this.ctx.send(to, { ...request, correlationId })
    return correlationId
  }
}

export function addProbe(c: Cluster, id: string): () => ProbeClient {
  c.sim.addNode(id, (ctx) => new ProbeClient(ctx))
  return () => c.sim.instanceOf<ProbeClient>(id)!
}

/** Sends without waiting; returns the correlation id. */
export function sendRequest(c: Cluster, probe: string, to: number, request: ProbeRequest): number {
  return c.sim.command<number>(probe, { to, request })
}

export function responseOf<T>(c: Cluster, probe: string, correlationId: number): T | undefined {
  return c.sim.instanceOf<ProbeClient>(probe)!.responses.get(correlationId) as T | undefined
}

/** Sends and runs until the answer comes (or timeoutMs passes). */
export function request<T>(c: Cluster, probe: string, to: number, req: ProbeRequest, timeoutMs = 30_000): T {
  const id = sendRequest(c, probe, to, req)
  c.sim.runUntil(() => responseOf(c, probe, id) !== undefined, { timeoutMs, describe: () => `${req.type} from ${probe} to ${to} not answered` })
  return responseOf<T>(c, probe, id)!
}

/** Asks broker `via` for the group's coordinator until one is found (the first ask creates __consumer_offsets). */
export function findCoordinator(c: Cluster, probe: string, groupId: string, via = 1, timeoutMs = 30_000): number {
  const deadline = c.now + timeoutMs
  for (;;) {
    const response = request<FindCoordinatorResponse>(c, probe, via, { type: 'FindCoordinator', key: groupId })
    if (response.errorCode === 'NONE') {
      // The coordinator may still be loading the partition: wait until it answers.
      return response.nodeId
    }
    if (c.now > deadline) throw new Error(`no coordinator for ${groupId}: ${response.errorCode}`)
    c.advance(100)
  }
}

export function joinRequest(groupId: string, overrides: Partial<Omit<JoinGroupRequest, 'type' | 'correlationId'>> = {}): ProbeRequest {
  return {
    type: 'JoinGroup',
    groupId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: { topics: ['t'] } }],
    clientId: 'c',
    ...overrides,
  }
}

/** The coordinator settings the offset tests use: 3 offsets partitions, no initial rebalance delay. */
export const OFFSETS_TEST_CONFIG = { 'offsets.topic.num.partitions': 3, 'group.initial.rebalance.delay.ms': 0 }

/** 3 brokers, a topic "t" of 2 partitions (RF=3) and a probe client named "probe". */
export function probeCluster(seed = 1): Cluster {
  const c = createCluster({ seed, brokers: 3, config: OFFSETS_TEST_CONFIG })
  c.createTopic('t', { partitions: 2, replicationFactor: 3 })
  addProbe(c, 'probe')
  return c
}

/** OffsetCommit from outside group management (generation -1, as a manually assigned consumer does) for partitions of "t". */
export function commitOffsets(c: Cluster, to: number, groupId: string, offsets: Record<number, number>): OffsetCommitResponse {
  return request<OffsetCommitResponse>(c, 'probe', to, {
    type: 'OffsetCommit', groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
    partitions: Object.entries(offsets).map(([p, offset]) => ({ topic: 't', partition: Number(p), committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' })),
  })
}

/** OffsetFetch of both partitions of "t". */
export function fetchCommitted(c: Cluster, to: number, groupId: string): OffsetFetchResponse {
  return request<OffsetFetchResponse>(c, 'probe', to, { type: 'OffsetFetch', groupId, partitions: [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }] })
}

/** The group as its coordinator holds it now. */
export function groupView(c: Cluster, groupId = 'g'): GroupView | undefined {
  for (const id of c.brokerIds) {
    const view = c.brokerNode(id)?.snapshot().groups.find((g) => g.groupId === groupId)
    if (view) return view
  }
  return undefined
}

/** Each member's partitions ("t-0"), by client id. */
export function assignmentOf(view: GroupView): Record<string, string[]> {
  return Object.fromEntries(view.members.map((m) => [m.clientId, ((m.assignment as { partitions: { topic: string; partition: number }[] } | null)?.partitions ?? []).map((p) => `${p.topic}-${p.partition}`).sort()]))
}

/** Runs until group "g" is Stable with `members` members, and returns it. */
export function runUntilStable(c: Cluster, members: number, timeoutMs = 120_000): GroupView {
  c.sim.runUntil(() => {
    const view = groupView(c)
    return view?.state === 'Stable' && view.members.length === members
  }, { timeoutMs, describe: () => `group not Stable with ${members} members: ${JSON.stringify(groupView(c)?.state)}` })
  return groupView(c)!
}

/** The trace records of one type, of one node if named. */
export const byType = (c: Cluster, type: string, node?: string): TraceRecord[] => c.trace.events.filter((r) => r.type === type && (node === undefined || r.node === node))
