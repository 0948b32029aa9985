// A broker handles one request at a time per connection (the protocol guide, "Network":
// "The broker's request processing allows only a single in-flight request per connection
// in order to guarantee this ordering"; kafka.network.SocketServer mutes a channel once a
// request is read and unmutes it when its response is sent), so a
// client's pipelined requests (max.in.flight.requests.per.connection) are answered in the
// order they were sent, even when an earlier one waits in purgatory (acks=all, a long-poll
// fetch). The sandbox has one connection per pair of nodes: requests from a node that
// arrive while an earlier one of its is being handled wait here, in order.

import type { Message, NodeId } from '../node.ts'

export class ConnectionGate {
  /** Nodes with a request being handled, and the requests of theirs waiting behind it. */
  private readonly waiting = new Map<NodeId, Message[]>()

  /** True when the request may be handled now; false when it was queued behind its connection's current one. */
  admit(from: NodeId, request: Message): boolean {
    const queue = this.waiting.get(from)
    if (queue === undefined) {
      this.waiting.set(from, [])
      return true
    }
    queue.push(request)
    return false
  }

  /** The current request of `from` was answered (or needs no answer): the next one to handle, if any. */
  release(from: NodeId): Message | undefined {
    const queue = this.waiting.get(from)
    if (queue === undefined) return undefined
    const next = queue.shift()
    if (next === undefined) this.waiting.delete(from)
    return next
  }

  /** Requests waiting behind another, for views. */
  get queuedCount(): number {
    let count = 0
    for (const queue of this.waiting.values()) count += queue.length
    return count
  }
}
