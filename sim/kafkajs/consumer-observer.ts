// What the KafkaJS consumer facade learns of its core consumer node's conversations with
// the brokers, for KafkaJS's instrumentation events that the core does not report itself:
// each request's round trip (consumer.network.request), each successful heartbeat
// (consumer.heartbeat), each rebalance the member starts (consumer.rebalancing) and the
// leader a JoinGroup named (consumer.group_join's leaderId). It reads the simulation's
// trace: the deliveries to and from the node and the node's own 'consumer-join-group'
// events. Subscribing costs a record object per simulated event, so the facade observes
// only while someone listens to one of those events.

import type { NodeId } from '../../core/node.ts'
import type { Simulation } from '../simulation.ts'
import type { TraceRecord } from '../trace.ts'

/** Kafka's API keys (clients/.../protocol/ApiKeys.java) for the requests a consumer sends. */
const API_KEYS: Readonly<Record<string, number>> = {
  Fetch: 1, ListOffsets: 2, Metadata: 3, OffsetCommit: 8, OffsetFetch: 9, FindCoordinator: 10, JoinGroup: 11, Heartbeat: 12, LeaveGroup: 13, SyncGroup: 14,
}

export interface RequestRoundTrip {
  apiName: string
  apiKey: number
  broker: number
  correlationId: number
  /** Simulated ms the request left the consumer. */
  sentAt: number
  /** Simulated ms from sending the request to receiving its response. */
  duration: number
}

export interface ConsumerObserverCallbacks {
  onRequest(roundTrip: RequestRoundTrip): void
  onHeartbeat(): void
  onRebalancing(): void
  onJoinResponse(leaderId: string): void
}

/** Starts observing node `nodeId`; returns the function that stops. */
export function observeConsumer(sim: Simulation, nodeId: NodeId, callbacks: ConsumerObserverCallbacks): () => void {
  /** Requests in flight by correlation id: their type and when they were sent. */
  const inFlight = new Map<number, { apiName: string; sentAt: number }>()
  return sim.trace.subscribe((record: TraceRecord) => {
    if (record.type === 'consumer-join-group' && record.node === nodeId) return callbacks.onRebalancing()
    if (record.type !== 'deliver') return
    const { from, message, sentAt } = record.data as { from: NodeId; message: { type: string; correlationId?: number; errorCode?: string; leader?: string }; sentAt: number }
    if (message.correlationId === undefined) return
    if (from === nodeId && API_KEYS[message.type] !== undefined) {
      inFlight.set(message.correlationId, { apiName: message.type, sentAt })
      return
    }
    if (record.node !== nodeId) return
    const request = inFlight.get(message.correlationId)
    if (!request) return
    inFlight.delete(message.correlationId)
    callbacks.onRequest({ apiName: request.apiName, apiKey: API_KEYS[request.apiName]!, broker: from as number, correlationId: message.correlationId, sentAt: request.sentAt, duration: record.time - request.sentAt })
    if (message.type === 'HeartbeatResponse' && message.errorCode === 'NONE') callbacks.onHeartbeat()
    if (message.type === 'JoinGroupResponse' && message.errorCode === 'NONE' && message.leader !== undefined) callbacks.onJoinResponse(message.leader)
  })
}
