// The orders in which Java's hash-based collections iterate, so that the assignors break ties
// the way Kafka's do. Kafka's sticky assignors walk java.util.HashMap and HashSet instances in
// a few places (the leader's map of member subscriptions, the sets of partitions moved between
// two members); where that order decides who keeps a partition, the sandbox reproduces it
// instead of inventing its own.
//
// A java.util.HashMap (java/util/HashMap.java, JDK 8 and later) keeps a table of 2^k buckets;
// a key lives in bucket `spread(hashCode) & (capacity - 1)`, where spread(h) = h ^ (h >>> 16).
// Iteration walks the buckets in index order and each bucket's chain in insertion order: a
// resize splits every chain into two that keep their relative order, and new keys are appended.
// The table starts at 16 buckets (or the power of two at or above an initial capacity) and
// doubles when the size passes 0.75 of the capacity, or when a chain reaches 9 keys while the
// table has fewer than 64 buckets. Not modelled: a chain of 9 or more keys in a table of 64 or
// more buckets, which Java turns into a red-black tree with its own order (it takes that many
// hash collisions among one group's member ids or partitions).

const DEFAULT_CAPACITY = 16
const LOAD_FACTOR = 0.75
const TREEIFY_THRESHOLD = 8
const MIN_TREEIFY_CAPACITY = 64
const MAXIMUM_CAPACITY = 1 << 30

/** java.lang.String.hashCode(): s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units, as int32. */
export function javaStringHashCode(s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0
  return h
}

/** org.apache.kafka.common.TopicPartition.hashCode(): 31 * (31 + partition) + topic.hashCode(). */
export function topicPartitionHashCode(topic: string, partition: number): number {
  return (Math.imul(31, (31 + partition) | 0) + javaStringHashCode(topic)) | 0
}

/** HashMap.hash(): the high half folded into the low half, so small tables see it. */
function spread(hashCode: number): number {
  return hashCode ^ (hashCode >>> 16)
}

/** HashMap.tableSizeFor(): the power of two at or above `capacity`. */
function tableSizeFor(capacity: number): number {
  let n = 1
  while (n < capacity && n < MAXIMUM_CAPACITY) n *= 2
  return n
}

interface Entry<K> {
  readonly key: K
  readonly hash: number
  /** Order of insertion: within a bucket, entries iterate by it. */
  readonly seq: number
}

/**
 * The iteration order of one java.util.HashMap or HashSet, followed through puts and removes.
 * Keys are identified by `identity` (Java's equals), placed by `hashCode`.
 */
export class JavaHashOrder<K> {
  private readonly entries = new Map<string, Entry<K>>()
  private capacity: number
  private nextSeq = 0
  private readonly bucketSizes = new Map<number, number>()

  /**
   * @param initialCapacity as `new HashMap<>(initialCapacity)`; omitted: `new HashMap<>()`.
   */
  constructor(
    private readonly hashCode: (key: K) => number,
    private readonly identity: (key: K) => string,
    initialCapacity?: number,
  ) {
    this.capacity = initialCapacity === undefined ? DEFAULT_CAPACITY : tableSizeFor(Math.max(1, initialCapacity))
  }

  get size(): number {
    return this.entries.size
  }

  has(key: K): boolean {
    return this.entries.has(this.identity(key))
  }

  /** HashMap.put / HashSet.add: a key already present keeps its place. */
  add(key: K): void {
    const id = this.identity(key)
    if (this.entries.has(id)) return
    const hash = spread(this.hashCode(key))
    const entry: Entry<K> = { key, hash, seq: this.nextSeq++ }
    const before = this.countBucket(hash)
    this.entries.set(id, entry)
    this.recountBuckets()
    // putVal: appending to a chain that already held TREEIFY_THRESHOLD keys calls treeifyBin,
    // which only resizes while the table is small.
    if (before >= TREEIFY_THRESHOLD && this.capacity < MIN_TREEIFY_CAPACITY) this.resize()
    if (this.entries.size > this.capacity * LOAD_FACTOR) this.resize()
  }

  /** HashMap.remove / HashSet.remove: the table never shrinks. */
  delete(key: K): void {
    if (this.entries.delete(this.identity(key))) this.recountBuckets()
  }

  /** The keys in the order Java iterates them. */
  keys(): K[] {
    const mask = this.capacity - 1
    return [...this.entries.values()]
      .sort((a, b) => (a.hash & mask) - (b.hash & mask) || a.seq - b.seq)
      .map((e) => e.key)
  }

  /** iterator().next(): the first key Java would return; undefined when empty. */
  first(): K | undefined {
    const mask = this.capacity - 1
    let best: Entry<K> | undefined
    for (const e of this.entries.values()) {
      if (best === undefined || (e.hash & mask) < (best.hash & mask) || ((e.hash & mask) === (best.hash & mask) && e.seq < best.seq)) best = e
    }
    return best?.key
  }

  private resize(): void {
    if (this.capacity < MAXIMUM_CAPACITY) this.capacity *= 2
    this.recountBuckets()
  }

  private countBucket(hash: number): number {
    return this.bucketSizes.get(hash & (this.capacity - 1)) ?? 0
  }

  private recountBuckets(): void {
    this.bucketSizes.clear()
    const mask = this.capacity - 1
    for (const e of this.entries.values()) this.bucketSizes.set(e.hash & mask, (this.bucketSizes.get(e.hash & mask) ?? 0) + 1)
  }
}

/** The order in which `new HashMap<String, V>()` filled by put() in `keys` order iterates its keys. */
export function javaHashMapStringOrder(keys: readonly string[], initialCapacity?: number): string[] {
  const order = new JavaHashOrder<string>(javaStringHashCode, (k) => k, initialCapacity)
  for (const k of keys) order.add(k)
  return order.keys()
}
