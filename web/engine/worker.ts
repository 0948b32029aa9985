// The engine's Web Worker: the simulation runs here, off the page's thread.

import { EngineHost } from './host.ts'
import type { Reply, RequestMessage } from './protocol.ts'

const scope = self as unknown as {
  postMessage(message: Reply): void
  onmessage: ((event: MessageEvent<RequestMessage>) => void) | null
}

// A MessageChannel runs the next slice as soon as pending messages are handled (setTimeout
// would wait at least 4 ms once nested).
const channel = new MessageChannel()
const pending: (() => void)[] = []
channel.port1.onmessage = () => pending.shift()?.()

const host = new EngineHost(
  performance,
  (reply) => scope.postMessage(reply),
  (fn) => {
    pending.push(fn)
    channel.port2.postMessage(null)
  },
)

scope.onmessage = (event) => host.receive(event.data)
