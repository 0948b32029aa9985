// The page's side of the engine: requests go to the Web Worker (or, with ?worker=0, to an
// engine on the page's own thread) and come back as promises.

import type { Reply, Request, RequestMessage, ResultData } from '../engine/protocol.ts'

export interface ProgressInfo {
  label: string
  done: number
  total: number
}

interface Pending {
  resolve(data: ResultData): void
  reject(error: Error): void
  onProgress?: (progress: ProgressInfo) => void
}

export class CancelledError extends Error {}

export class EngineClient {
  private readonly post: (message: RequestMessage) => void
  private readonly worker: Worker | null = null
  private nextId = 1
  private readonly pending = new Map<number, Pending>()

  constructor(useWorker: boolean) {
    if (useWorker && typeof Worker !== 'undefined') {
      const worker = new Worker(new URL('../engine/worker.ts', import.meta.url), { type: 'module' })
      worker.onmessage = (event: MessageEvent<Reply>) => this.onReply(event.data)
      worker.onerror = (event) => {
        const error = new Error(`the simulation worker failed: ${event.message}`)
        for (const pending of this.pending.values()) pending.reject(error)
        this.pending.clear()
      }
      this.worker = worker
      this.post = (message) => worker.postMessage(message)
    } else {
      // Loaded only when asked for, so the page's bundle does not carry the simulation twice.
      const ready = import('../engine/host.ts').then(({ EngineHost }) => {
        const channel = new MessageChannel()
        const queue: (() => void)[] = []
        channel.port1.onmessage = () => queue.shift()?.()
        return new EngineHost(performance, (reply) => queueMicrotask(() => this.onReply(structuredClone(reply))), (fn) => {
          queue.push(fn)
          channel.port2.postMessage(null)
        })
      })
      this.post = (message) => void ready.then((host) => host.receive(structuredClone(message)))
    }
  }

  get inWorker(): boolean {
    return this.worker !== null
  }

  request(request: Request, onProgress?: (progress: ProgressInfo) => void): Promise<ResultData> {
    const id = this.nextId++
    return new Promise<ResultData>((resolve, reject) => {
      const pending: Pending = { resolve, reject }
      if (onProgress) pending.onProgress = onProgress
      this.pending.set(id, pending)
      this.post({ ...request, id } as RequestMessage)
    })
  }

  private onReply(reply: Reply): void {
    const pending = this.pending.get(reply.id)
    if (!pending) return
    if (reply.type === 'progress') {
      pending.onProgress?.({ label: reply.label, done: reply.done, total: reply.total })
      return
    }
    this.pending.delete(reply.id)
    if (reply.type === 'result') pending.resolve(reply.data)
    else pending.reject(reply.message === 'cancelled' ? new CancelledError('cancelled') : new Error(reply.message))
  }

  terminate(): void {
    this.worker?.terminate()
  }
}
