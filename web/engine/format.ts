// One line per trace record for the event log: a category to filter on, the partition and
// nodes it concerns (to highlight what led to an anomaly), and a short sentence.

import type { TraceRecord } from '../../sim/trace.ts'

export type LogCategory = 'fault' | 'network' | 'controller' | 'leadership' | 'isr' | 'log' | 'client' | 'drop' | 'broker' | 'message' | 'timer' | 'other'

export const LOG_CATEGORIES: readonly { id: LogCategory; label: string }[] = [
  { id: 'fault', label: 'Faults and your actions' },
  { id: 'network', label: 'Network changes' },
  { id: 'controller', label: 'Controller decisions' },
  { id: 'leadership', label: 'Leadership' },
  { id: 'isr', label: 'ISR changes' },
  { id: 'log', label: 'Truncation and retention' },
  { id: 'client', label: 'Client errors' },
  { id: 'drop', label: 'Dropped messages' },
  { id: 'broker', label: 'Broker lifecycle' },
  { id: 'message', label: 'Messages delivered' },
  { id: 'timer', label: 'Timers' },
  { id: 'other', label: 'Other' },
]

export interface LogLine {
  seq: number
  timeMs: number
  node: string
  type: string
  category: LogCategory
  text: string
  /** "orders-3" when the record is about one partition. */
  partition: string | null
}

const CATEGORY: Record<string, LogCategory> = {
  action: 'fault',
  crash: 'fault',
  'power-fail': 'fault',
  restart: 'fault',
  pause: 'fault',
  resume: 'fault',
  'disk-slow': 'fault',
  start: 'fault',
  network: 'network',
  'metadata-records': 'controller',
  'controller-activated': 'controller',
  'broker-registration-rejected': 'controller',
  'become-leader': 'leadership',
  'become-follower': 'leadership',
  'leader-epoch-bumped': 'leadership',
  'isr-shrink-proposed': 'isr',
  'isr-expand-proposed': 'isr',
  'isr-committed': 'isr',
  'replica-truncated': 'log',
  'log-segments-deleted': 'log',
  'log-compacted': 'log',
  'replica-deleted': 'log',
  'client-produce-failed': 'client',
  'client-produce-timed-out': 'client',
  'producer-batch-failed': 'client',
  'producer-retry': 'client',
  'producer-disconnected': 'client',
  'producer-epoch-bumped': 'client',
  'consumer-error': 'client',
  'consumer-fetch-timeout': 'client',
  'consumer-offset-out-of-range': 'client',
  'consumer-truncation-detected': 'client',
  'consumer-above-high-watermark': 'client',
  'produce-rejected': 'client',
  'replica-fetch-timed-out': 'client',
  drop: 'drop',
  'broker-starting': 'broker',
  'broker-registered': 'broker',
  'broker-registration-failed': 'broker',
  'broker-lifecycle': 'broker',
  deliver: 'message',
  timer: 'timer',
}

const PAST: Record<string, string> = { crash: 'crashed', 'power-fail': 'lost power', restart: 'restarted', pause: 'paused', resume: 'resumed', start: 'started' }

function list(value: unknown): string {
  return Array.isArray(value) ? `[${value.join(', ')}]` : String(value)
}

function short(value: unknown, max = 140): string {
  let text: string
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value)
  } catch {
    text = String(value)
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

export function formatLine(record: TraceRecord): LogLine {
  const d = record.data as Record<string, unknown>
  // Broker records name a partition by topic and number; the clients' by its key ("orders-3").
  const partition = typeof d.topic === 'string' && typeof d.partition === 'number' ? `${d.topic}-${d.partition}` : typeof d.partition === 'string' ? d.partition : null
  let text: string
  switch (record.type) {
    case 'action':
      text = String(d.label)
      break
    case 'network':
      text = `network ${String(d.change)}${Object.keys(d).length > 1 ? ' ' + short(Object.fromEntries(Object.entries(d).filter(([k]) => k !== 'change'))) : ''}`
      break
    case 'metadata-records': {
      const records = Array.isArray(d.records) ? d.records : []
      text = `metadata log @${String(d.firstOffset)}: ${String(d.cause)} (${records.length} record${records.length === 1 ? '' : 's'})`
      break
    }
    case 'become-leader':
      text = `leads ${partition} in epoch ${String(d.leaderEpoch)}, ISR ${list(d.isr)}, LEO ${String(d.logEndOffset)}`
      break
    case 'become-follower':
      text = `follows broker ${String(d.leader)} for ${partition} in epoch ${String(d.leaderEpoch)}`
      break
    case 'isr-shrink-proposed':
      text = `asks to shrink the ISR of ${partition} from ${list(d.isr)} to ${list(d.proposed)}`
      break
    case 'isr-expand-proposed':
      text = `asks to add broker ${String(d.follower)} to the ISR of ${partition}: ${list(d.proposed)}`
      break
    case 'isr-committed':
      text = `ISR of ${partition} is now ${list(d.isr)}`
      break
    case 'replica-truncated':
      text = `truncated ${partition} from offset ${String(d.from)} to ${String(d.to)}${d.reason ? ` (${String(d.reason)})` : ''}`
      break
    case 'client-produce-failed':
      text = `produce to ${partition} failed: ${String(d.errorCode)}`
      break
    case 'client-produce-timed-out':
      text = `produce to ${partition} timed out (the records may or may not be in the log)`
      break
    case 'producer-batch-failed':
      text = `${String(d.records)} record(s) to ${partition} failed for good: ${String(d.error)} (after ${String(d.attempts)} attempt(s))`
      break
    case 'producer-retry':
      text = `retries a batch of ${String(d.records)} to ${partition} after ${String(d.errorCode)} (attempt ${String(d.attempt)}, backoff ${String(d.backoffMs)} ms)`
      break
    case 'producer-disconnected':
      text = `dropped its connection to broker ${String(d.broker)} (${String(d.reason)}; ${String(d.requests)} request(s) in flight)`
      break
    case 'produce-rejected':
      text = `refused a produce to ${partition}: ${String(d.errorCode)}`
      break
    case 'drop': {
      const message = d.message as { type?: string } | undefined
      text = `${message?.type ?? 'message'} from ${String(d.from)} to ${String(d.to)} dropped (${String(d.reason)})`
      break
    }
    case 'deliver': {
      const message = d.message as { type?: string } | undefined
      text = `${message?.type ?? 'message'} from ${String(d.from)}, sent at ${Number(d.sentAt).toFixed(3)} ms`
      break
    }
    case 'timer':
      text = `timer ${String(d.name)}`
      break
    case 'crash':
    case 'power-fail':
    case 'restart':
    case 'pause':
    case 'resume':
    case 'start':
      text = PAST[record.type]!
      break
    default:
      text = Object.keys(d).length === 0 ? record.type : `${record.type} ${short(d)}`
  }
  return {
    seq: record.seq,
    timeMs: record.time,
    node: record.node === null ? '' : String(record.node),
    type: record.type,
    category: CATEGORY[record.type] ?? 'other',
    text,
    partition,
  }
}
