// FIFO per link (like one TCP connection): a message may not arrive before the message
// sent before it on the same directed link. That needs, per link, when its newest
// in-flight message is due, but only while something is in flight: a link whose newest
// message has arrived constrains nothing.
//
// So each sender gets a few slots in two flat typed arrays (receiver, due time), reused
// once their message has arrived, with a map per sender for the rare sender that has more
// links in flight than slots. Memory follows the links in flight, not nodes squared, and
// the common lookup scans one or two cache lines. (A dense nodes x nodes array is 8 MB at
// 1,000 nodes and misses the cache on nearly every send.)

const SLOTS = 8
const EMPTY = -1

interface Overflow {
  /** Receiver index -> due time of the newest message on that link. */
  dues: Map<number, number>
  purgeAtSize: number
}

export class InFlightLinks {
  private receivers = new Int32Array(0)
  private dues = new Float64Array(0)
  private overflow: (Overflow | undefined)[] = []
  private senders = 0

  addSender(): void {
    const index = this.senders++
    if (this.senders * SLOTS > this.receivers.length) {
      const capacity = Math.max(16, this.senders * 2) * SLOTS
      const receivers = new Int32Array(capacity).fill(EMPTY)
      receivers.set(this.receivers)
      const dues = new Float64Array(capacity)
      dues.set(this.dues)
      this.receivers = receivers
      this.dues = dues
    }
    this.overflow[index] = undefined
  }

  /**
   * The time a message sent now from `from` to `to`, due at `due` by its latency, may be
   * delivered: `due`, or later if the previous message on the link is due later. Records
   * the result as the link's newest due time.
   */
  schedule(from: number, to: number, due: number, now: number): number {
    const receivers = this.receivers
    const dues = this.dues
    const base = from * SLOTS
    let free = -1
    for (let slot = base; slot < base + SLOTS; slot++) {
      const receiver = receivers[slot]!
      if (receiver === to) {
        const previous = dues[slot]!
        if (due < previous) due = previous
        dues[slot] = due
        return due
      }
      // A slot whose message has arrived (due <= now) constrains nothing: reusable.
      if (free < 0 && (receiver === EMPTY || dues[slot]! <= now)) free = slot
    }
    const overflow = this.overflow[from]
    if (overflow !== undefined) {
      const previous = overflow.dues.get(to)
      if (previous !== undefined) {
        if (previous > now) {
          if (due < previous) due = previous
          overflow.dues.set(to, due)
          return due
        }
        overflow.dues.delete(to)
      }
    }
    if (free >= 0) {
      receivers[free] = to
      dues[free] = due
    } else {
      this.addOverflow(from, to, due, now)
    }
    return due
  }

  private addOverflow(from: number, to: number, due: number, now: number): void {
    let overflow = this.overflow[from]
    if (overflow === undefined) this.overflow[from] = overflow = { dues: new Map(), purgeAtSize: 16 }
    overflow.dues.set(to, due)
    // Entries whose message has arrived are only dropped lazily: purge them whenever the
    // map doubles, so it stays proportional to the links actually in flight.
    if (overflow.dues.size >= overflow.purgeAtSize) {
      for (const [receiver, receiverDue] of overflow.dues) if (receiverDue <= now) overflow.dues.delete(receiver)
      overflow.purgeAtSize = Math.max(16, overflow.dues.size * 2)
    }
  }
}
