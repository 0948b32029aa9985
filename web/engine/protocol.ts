// The messages between the page and the engine (which runs in a Web Worker, or inline).

import type { Action, RecordedAction } from './actions.ts'
import type { LogLine } from './format.ts'
import type { ChartData } from './metrics.ts'
import type { ActionError, Anomaly, Flight, HistoryFigures, LinkActivity, RunPosition } from './run.ts'
import type { Position, SessionSpec } from './spec.ts'
import type { ClusterView } from './view.ts'
import type { PartitionRecordsView } from '../../sim/views.ts'
import type { MetadataLogEntry } from '../../core/metadata/records.ts'

/**
 * Where to go: after the event that wrote trace record `seq`; after `events` events (then,
 * if `timeMs` is later, on to that time with no event due before it, as a shared link
 * records a paused run); or to a time, every event due by then processed.
 */
export type JumpTarget = { seq: number } | { events: number; timeMs?: number } | { timeMs: number }

export type Request =
  | { type: 'open'; spec: SessionSpec; position: Position | null }
  | { type: 'advance'; toMs: number; budgetMs: number; stopOnAnomaly: boolean; withFlights: boolean }
  | { type: 'step' }
  | { type: 'jump'; target: JumpTarget }
  | { type: 'act'; action: Action }
  | { type: 'records'; partition: number; fromOffset: number; limit: number }
  | { type: 'metadata'; fromOffset: number; limit: number }
  | { type: 'charts'; fromMs: number; toMs: number; buckets: number }
  | { type: 'routine'; limit: number }
  | { type: 'export-trace' }
  | { type: 'cancel' }

export type RequestMessage = Request & { id: number }

export interface Frame {
  position: RunPosition
  traceHash: string
  view: ClusterView
  /** Deliveries and drops written since the previous frame (the newest, at most a few hundred; none when not asked for). */
  flights: Flight[]
  /** Traffic per link since the previous frame. */
  activity: LinkActivity[]
  /** Notable records since the previous frame; with `logReset`, the newest of the whole run so far. */
  log: LogLine[]
  logReset: boolean
  /** Notable records left out of the log (only the newest are kept). */
  logDropped: number
  anomalies: Anomaly[]
  /** The history checker's figures at its last run (null before the first). */
  history: HistoryFigures | null
  actionErrors: ActionError[]
  /** The session's actions, when they changed since the previous frame. */
  actions: RecordedAction[] | null
  /** Invariant checkers running on this run. */
  checking: boolean
  /** Why the engine stopped short of what was asked, if it did. */
  stopped: 'anomaly' | 'budget' | null
  /** Checkpoints kept for time travel (simulated ms each). */
  checkpoints: number[]
}

export interface MetadataPage {
  entries: MetadataLogEntry[]
  endOffset: number
}

export type ResultData =
  | { kind: 'frame'; frame: Frame }
  | { kind: 'records'; view: PartitionRecordsView | null }
  | { kind: 'metadata'; page: MetadataPage | null }
  | { kind: 'charts'; data: ChartData }
  | { kind: 'routine'; lines: LogLine[] }
  | { kind: 'export'; chunks: string[]; records: number; truncated: boolean }
  | { kind: 'none' }

export type Reply =
  | { type: 'result'; id: number; data: ResultData }
  | { type: 'progress'; id: number; label: string; done: number; total: number }
  | { type: 'error'; id: number; message: string }
