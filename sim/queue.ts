// The simulation's event queue: a binary min-heap ordered by (time, insertion sequence),
// so events due at the same simulated time run in the order they were scheduled.
//
// Keys live in Float64Arrays next to the item array instead of in the items themselves:
// comparisons then read contiguous memory, which keeps large queues (100k+ pending) fast.
// Sequence numbers are float64 too, exact up to 2^53 insertions.

const INITIAL_CAPACITY = 1024

export class EventQueue<T> {
  private times = new Float64Array(INITIAL_CAPACITY)
  private seqs = new Float64Array(INITIAL_CAPACITY)
  private items: (T | undefined)[] = new Array(INITIAL_CAPACITY)
  private count = 0
  private nextSeq = 0
  /** The time of the item the last pop() or take() returned. */
  poppedTime = 0
  /** The root's item was taken and its slot not yet refilled (see take()). */
  private vacantRoot = false

  get size(): number {
    return this.vacantRoot ? this.count - 1 : this.count
  }

  /** Time of the earliest item, or Infinity when empty. */
  peekTime(): number {
    if (this.vacantRoot) this.settle()
    return this.count === 0 ? Infinity : this.times[0]!
  }

  push(time: number, item: T): void {
    const seq = this.nextSeq++
    if (this.vacantRoot) {
      // The root's item was taken: the new item takes its place and sinks, one sift
      // instead of a sift-down for the removal and a sift-up for the insertion.
      this.vacantRoot = false
      this.siftDown(0, time, seq, item, this.count)
      return
    }
    if (this.count === this.times.length) this.grow()
    const times = this.times
    const seqs = this.seqs
    const items = this.items
    // Sift the hole up from the end until its parent is not later than (time, seq).
    let hole = this.count++
    while (hole > 0) {
      const parent = (hole - 1) >> 1
      const parentTime = times[parent]!
      if (parentTime < time || (parentTime === time && seqs[parent]! < seq)) break
      times[hole] = parentTime
      seqs[hole] = seqs[parent]!
      items[hole] = items[parent]
      hole = parent
    }
    times[hole] = time
    seqs[hole] = seq
    items[hole] = item
  }

  /** Removes and returns the earliest item, or undefined when empty. */
  pop(): T | undefined {
    if (this.vacantRoot) this.settle()
    if (this.count === 0) return undefined
    const items = this.items
    const top = items[0]
    this.poppedTime = this.times[0]!
    const last = --this.count
    const item = items[last]
    items[last] = undefined
    if (last > 0) this.siftDown(0, this.times[last]!, this.seqs[last]!, item, last)
    return top
  }

  /**
   * Returns the earliest item and leaves its place vacant until the next push (which
   * fills it) or settle(). The simulation takes an event, runs it, and the event's
   * handler usually schedules one more: that push then costs one sift, not two.
   */
  take(): T | undefined {
    if (this.vacantRoot) this.settle()
    if (this.count === 0) return undefined
    this.poppedTime = this.times[0]!
    this.vacantRoot = true
    return this.items[0]
  }

  /** Puts back the item take() just returned (it never left the root). */
  untake(): void {
    this.vacantRoot = false
  }

  /** Closes a vacancy left by take() by moving the last item to the root. */
  settle(): void {
    if (!this.vacantRoot) return
    this.vacantRoot = false
    const last = --this.count
    const item = this.items[last]
    this.items[last] = undefined
    if (last > 0) this.siftDown(0, this.times[last]!, this.seqs[last]!, item, last)
  }

  /** Places (time, seq, item) at `hole` and sinks it within the first `count` slots. */
  private siftDown(hole: number, time: number, seq: number, item: T | undefined, count: number): void {
    const times = this.times
    const seqs = this.seqs
    const items = this.items
    const half = count >> 1
    while (hole < half) {
      let child = 2 * hole + 1
      const right = child + 1
      if (right < count) {
        const rt = times[right]!
        const ct = times[child]!
        if (rt < ct || (rt === ct && seqs[right]! < seqs[child]!)) child = right
      }
      const childTime = times[child]!
      if (time < childTime || (time === childTime && seq < seqs[child]!)) break
      times[hole] = childTime
      seqs[hole] = seqs[child]!
      items[hole] = items[child]
      hole = child
    }
    times[hole] = time
    seqs[hole] = seq
    items[hole] = item
  }

  clear(): void {
    this.items.fill(undefined, 0, this.count)
    this.count = 0
    this.vacantRoot = false
  }

  private grow(): void {
    const capacity = this.times.length * 2
    const times = new Float64Array(capacity)
    times.set(this.times)
    const seqs = new Float64Array(capacity)
    seqs.set(this.seqs)
    this.times = times
    this.seqs = seqs
    this.items.length = capacity
  }
}
