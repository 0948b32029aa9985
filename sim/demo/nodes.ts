// The demo's two nodes: a client that sends numbered requests on a jittered interval and
// gives up on each after a timeout, and a server that counts requests on its disk.
// Small as they are, they exercise every kernel feature the Kafka nodes will use:
// messages, timers, their own random stream, trace events, and durable storage that a
// crash keeps and a power loss partly loses. (Placeholders for the first brokers.)

import type { Message, NodeContext, NodeId, SimNode } from '../../core/node.ts'

export interface RequestMessage extends Message {
  type: 'request'
  requestId: number
}

export interface ResponseMessage extends Message {
  type: 'response'
  requestId: number
  /** The server's durable count after this request. */
  count: number
}

export interface DemoClientOptions {
  server: NodeId
  requestIntervalMs: { min: number; max: number }
  requestTimeoutMs: number
}

export class DemoClient implements SimNode {
  private nextRequestId = 1
  private readonly inFlight = new Map<number, number>()
  answered = 0
  timedOut = 0

  constructor(
    private readonly ctx: NodeContext,
    private readonly options: DemoClientOptions,
  ) {}

  start(): void {
    this.scheduleNext()
  }

  onMessage(_from: NodeId, message: Message): void {
    if (message.type !== 'response') return
    const { requestId } = message as ResponseMessage
    const timer = this.inFlight.get(requestId)
    // A response after the timeout is late: the request already counted as timed out.
    if (timer === undefined) return
    this.ctx.cancelTimer(timer)
    this.inFlight.delete(requestId)
    this.answered++
  }

  onTimer(name: string, data: unknown): void {
    if (name === 'send') {
      const requestId = this.nextRequestId++
      const request: RequestMessage = { type: 'request', requestId }
      this.ctx.send(this.options.server, request)
      this.inFlight.set(requestId, this.ctx.setTimer(this.options.requestTimeoutMs, 'request-timeout', requestId))
      this.scheduleNext()
    } else if (name === 'request-timeout') {
      const requestId = data as number
      this.inFlight.delete(requestId)
      this.timedOut++
      this.ctx.emit('request-timed-out', { requestId })
    }
  }

  snapshot(): { answered: number; timedOut: number; inFlight: number } {
    return { answered: this.answered, timedOut: this.timedOut, inFlight: this.inFlight.size }
  }

  private scheduleNext(): void {
    const { min, max } = this.options.requestIntervalMs
    this.ctx.setTimer(min + (max - min) * this.ctx.random(), 'send')
  }
}

/** Flushes its disk every `flushEvery` requests; between flushes the count is only in the page cache. */
export class DemoServer implements SimNode {
  private readonly requests
  private count: number

  constructor(
    private readonly ctx: NodeContext,
    private readonly flushEvery: number,
  ) {
    this.requests = ctx.storage.log<number>('requests')
    this.count = ctx.storage.read<number>('count') ?? 0
  }

  start(): void {
    this.ctx.emit('recovered', { count: this.count, logLength: this.requests.length })
  }

  onMessage(from: NodeId, message: Message): void {
    if (message.type !== 'request') return
    const { requestId } = message as RequestMessage
    this.count++
    this.requests.append(requestId)
    this.ctx.storage.write('count', this.count)
    if (this.count % this.flushEvery === 0) this.ctx.storage.flush()
    const response: ResponseMessage = { type: 'response', requestId, count: this.count }
    this.ctx.send(from, response)
  }

  onTimer(): void {}

  snapshot(): { count: number } {
    return { count: this.count }
  }
}
