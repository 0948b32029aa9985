// Small nodes for kernel tests: one that does what it is told and one that records.

import type { Message, NodeContext, NodeId, SimNode } from '../../core/node.ts'

export interface NumberedMessage extends Message {
  type: 'numbered'
  n: number
}

export type ScriptCommand =
  | { send: NodeId; n: number }
  | { timer: string; delayMs: number }
  | { cancel: string }
  | { write: string; value: unknown }
  | { append: string; value: unknown }
  | { flush: true }

/** Records deliveries and timer firings, and follows commands. */
export class ScriptedNode implements SimNode {
  readonly received: { from: NodeId; n: number; at: number }[] = []
  readonly fired: { name: string; at: number }[] = []
  private readonly timers = new Map<string, number>()
  started = 0

  constructor(readonly ctx: NodeContext) {}

  start(): void {
    this.started++
  }

  onMessage(from: NodeId, message: Message): void {
    this.received.push({ from, n: (message as NumberedMessage).n, at: this.ctx.now })
  }

  onTimer(name: string): void {
    this.timers.delete(name)
    this.fired.push({ name, at: this.ctx.now })
  }

  onCommand(command: unknown): void {
    const c = command as ScriptCommand
    if ('send' in c) this.ctx.send(c.send, { type: 'numbered', n: c.n } satisfies NumberedMessage)
    else if ('timer' in c) this.timers.set(c.timer, this.ctx.setTimer(c.delayMs, c.timer))
    else if ('cancel' in c) this.ctx.cancelTimer(this.timers.get(c.cancel) ?? -1)
    else if ('write' in c) this.ctx.storage.write(c.write, c.value)
    else if ('append' in c) this.ctx.storage.log(c.append).append(c.value)
    else if ('flush' in c) this.ctx.storage.flush()
  }

  snapshot(): unknown {
    return { received: this.received.length }
  }
}
