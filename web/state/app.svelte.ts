// The visualizer's state and verbs. Components read this and call its methods; they hold
// no logic of their own. The simulation runs in the engine (a Web Worker); this class
// paces playback with requestAnimationFrame, which is the only place wall time enters:
// it decides how far to ask the engine to run, never what happens in the run.
//
// Playback keeps the engine a little ahead of what is shown (LOOKAHEAD_MS of simulated
// time): a message appears in the trace only when it is delivered, so to draw it in flight
// the engine must already have run past its arrival. Frames are shown when the display
// clock reaches them; a message is drawn where it is at the display time, interpolated
// between its send and receive times.

import { legalNodeVerbs, partitionProblem, type Action, type NodeRef, type NodeVerb } from '../engine/actions.ts'
import type { LogCategory, LogLine } from '../engine/format.ts'
import type { ChartData } from '../engine/metrics.ts'
import type { Frame, JumpTarget, MetadataPage, ResultData } from '../engine/protocol.ts'
import type { Anomaly, Flight, LinkActivity } from '../engine/run.ts'
import { linkFor, parseLink, type SessionSettings, type SessionSpec } from '../engine/spec.ts'
import type { ClusterView } from '../engine/view.ts'
import type { PartitionRecordsView } from '../../sim/views.ts'
import { CancelledError, EngineClient, type ProgressInfo } from './engine-client.ts'
import { ScenarioPlayer } from './scenario.svelte.ts'
import { ScenarioRunner } from './scenario-runner.ts'
import { SCENARIO_TEXTS } from '../engine/scenario-library.ts'

/** Simulated ms the engine runs ahead of the display, so that messages in flight are known. */
const LOOKAHEAD_MS = 4
/** Wall ms the engine may spend on one frame's worth of simulation. */
const ADVANCE_BUDGET_MS = 12
const MAX_LOG_LINES = 5000
/** Lines the event log lists at once. */
const SHOWN_LOG_LINES = 400
/** How long (wall ms) a stepped message takes to fly, and a dropped one to fall. */
export const STEP_FLIGHT_MS = 700
export const DROP_FALL_WALL_MS = 700
/** How long (wall ms) a link stays lit after traffic. */
export const ACTIVITY_WALL_MS = 700
/** Above this speed a message crosses a link within a frame: only the traffic per link is drawn. */
export const FLIGHTS_BELOW_SPEED = 3

export { SPEEDS, speedLabel } from '../view/speeds.ts'

export type InspectorTab = 'topics' | 'messages' | 'metadata' | 'clients' | 'groups' | 'scenarios' | 'session' | 'about'

export interface PartitionDraft {
  /** Node id ("1", "controller-1") -> group (0 or 1). */
  groups: Record<string, number>
}

export interface StepAnimation {
  flight: Flight
  startedWall: number
}

/** Traffic per link in one frame's stretch of simulated time, ending at timeMs. */
export interface ActivitySample {
  timeMs: number
  links: readonly LinkActivity[]
}

type TickListener = (displayMs: number, flights: readonly Flight[], activity: readonly ActivitySample[], step: StepAnimation | null, wallNow: number) => void

export class AppState {
  // --- the session ---------------------------------------------------------------
  spec = $state.raw<SessionSpec>(parseLink('').spec)
  linkErrors = $state.raw<string[]>([])
  /** Errors from the engine or from a request, shown until dismissed. */
  notice = $state('')

  // --- what the engine last showed ---------------------------------------------------
  frame = $state.raw<Frame | null>(null)
  view = $derived<ClusterView | null>(this.frame?.view ?? null)
  busy = $state.raw<ProgressInfo | null>(null)
  log = $state.raw<LogLine[]>([])
  logDropped = $state(0)
  /** The furthest simulated time reached in this timeline (the slider's end, as sliderMaxMs). */
  headMs = 0

  // --- playback --------------------------------------------------------------------
  playing = $state(false)
  speed = $state(1)
  /** The display clock (simulated ms), moved every animation frame while playing. Not reactive: */
  displayMs = 0
  /** ...the panels read this copy, updated as often as the panels are (see showFrameAt). */
  clockMs = $state(0)
  /** The furthest the slider goes, kept with clockMs. */
  sliderMaxMs = $state(1)
  /** Simulated ms per wall ms actually achieved over the last second while playing. */
  effectiveSpeed = $state(0)
  pauseOnAnomaly = $state(true)

  // --- anomalies ---------------------------------------------------------------------
  anomaly = $state.raw<Anomaly | null>(null)
  /** Log lines (by seq) that led to the current anomaly. */
  highlighted = $state.raw<ReadonlySet<number>>(new Set())
  /** The event log shows only the highlighted lines. */
  logOnlyHighlighted = $state(false)

  // --- selection and tools -----------------------------------------------------------
  selectedNode = $state<string | null>(null)
  draft = $state.raw<PartitionDraft | null>(null)
  tab = $state<InspectorTab>('topics')
  browsePartition = $state(0)
  logFilter = $state.raw<ReadonlySet<LogCategory>>(new Set(['fault', 'network', 'controller', 'leadership', 'isr', 'log', 'client', 'drop', 'broker', 'other']))
  logText = $state('')
  /** Every record in the trace's buffer (routine ones too), when asked for instead of the notable log. */
  routine = $state.raw<LogLine[] | null>(null)
  /** The event log as shown: the newest SHOWN_LOG_LINES lines that pass the filters, oldest first. */
  readonly shownLog = $derived.by(() => {
    const text = this.logText.trim().toLowerCase()
    const source = this.routine ?? this.log
    const out: LogLine[] = []
    for (let i = source.length - 1; i >= 0 && out.length < SHOWN_LOG_LINES; i--) {
      const line = source[i]!
      if (!this.routine && this.logOnlyHighlighted && !this.highlighted.has(line.seq)) continue
      if (!this.routine && !this.logOnlyHighlighted && !this.logFilter.has(line.category)) continue
      if (text && !`${line.node} ${line.type} ${line.text}`.toLowerCase().includes(text)) continue
      out.push(line)
    }
    return out.reverse()
  })
  shareLink = $state('')

  // --- query results -------------------------------------------------------------------
  records = $state.raw<PartitionRecordsView | null>(null)
  recordsFrom = $state<number | null>(null)
  metadata = $state.raw<MetadataPage | null>(null)
  charts = $state.raw<ChartData | null>(null)
  chartsWholeRun = $state(false)

  /** Node verbs that make sense now, by node id (what the simulation allows, not a Kafka rule). */
  private readonly legal = $derived(this.view ? legalByNode(this.view) : new Map<string, NodeVerb[]>())

  /** The message-flow diagram's <svg>, for the SVG export (set by the Topology component). */
  diagramElement: SVGSVGElement | null = null

  private readonly client: EngineClient
  private frames: Frame[] = []
  private advancing = false
  private rafId = 0
  private lastWall = 0
  private flights: Flight[] = []
  private activity: ActivitySample[] = []
  private step: StepAnimation | null = null
  private readonly tickListeners = new Set<TickListener>()
  private alerted = new Set<string>()
  private pendingSeek: JumpTarget | null = null
  /** Where the furthest frame of this timeline was. */
  private headPosition: { timeMs: number; events: number } | null = null
  private seeking = false
  private speedWindow: { wall: number; sim: number }[] = []
  private lastChartsWall = 0
  private chartsInFlight = false
  private firstFrameShown = false
  private received = new WeakSet<Frame>()
  private lastFrameWall = 0
  private measuredSpeed = 0
  /** Log lines received, shown (as `log`) with the next frame shown. */
  private logBuffer: LogLine[] = []
  private logDirty = false
  private logDroppedBuffer = 0
  private lastRecordsWall = 0
  private lastMetadataWall = 0

  /** The scenario picker: library scenarios and files, run by the engine on clusters of their own. */
  readonly scenario: ScenarioPlayer

  constructor(options: { worker: boolean }) {
    this.client = new EngineClient(options.worker)
    this.scenario = new ScenarioPlayer(SCENARIO_TEXTS, new ScenarioRunner(options.worker), () => this.syncAddress())
  }

  get inWorker(): boolean {
    return this.client.inWorker
  }

  /** Nothing under way: no replay, and no frame on its way from the engine. */
  get settled(): boolean {
    return this.busy === null && !this.advancing && this.frame !== null
  }

  // --- session ---------------------------------------------------------------------

  /** Opens the session a link describes (the page's own address on load). */
  async openLink(search: string): Promise<void> {
    const parsed = parseLink(search)
    this.linkErrors = parsed.errors
    await this.open(parsed.spec, parsed.position)
    if (parsed.scenario !== null) {
      this.tab = 'scenarios'
      await this.scenario.pick(parsed.scenario, 'the link')
    }
  }


  /** Starts a new session with these settings and seed (no actions). */
  async restart(seed: number, settings: SessionSettings): Promise<void> {
    await this.open({ seed, settings, actions: [] }, null)
  }

  /** Back to the start of this session, keeping its actions (they replay as it plays). */
  async resetToStart(): Promise<void> {
    await this.open(this.spec, null)
  }

  private async open(spec: SessionSpec, position: { timeMs: number; events?: number } | null): Promise<void> {
    this.pause()
    this.spec = spec
    this.headMs = 0
    this.headPosition = null
    this.anomaly = null
    this.highlighted = new Set()
    this.alerted = new Set()
    this.records = null
    this.metadata = null
    this.charts = null
    const data = await this.run({ type: 'open', spec, position }, true)
    if (data?.kind === 'frame') this.showNow(data.frame)
    this.syncAddress()
  }

  // --- playback --------------------------------------------------------------------

  start(): void {
    this.lastWall = performance.now()
    const loop = (now: number) => {
      this.tick(now)
      this.rafId = requestAnimationFrame(loop)
    }
    this.rafId = requestAnimationFrame(loop)
  }

  stop(): void {
    cancelAnimationFrame(this.rafId)
    this.client.terminate()
  }

  onTick(listener: TickListener): () => void {
    this.tickListeners.add(listener)
    return () => this.tickListeners.delete(listener)
  }

  play(): void {
    if (this.busy || !this.frame) return
    this.anomaly = null
    this.step = null
    this.playing = true
    this.speedWindow = []
  }

  pause(): void {
    if (!this.playing) return
    this.playing = false
    this.effectiveSpeed = 0
    // Show where the simulation really is (it ran a little ahead of the display).
    const latest = this.frames[this.frames.length - 1]
    if (latest) this.showNow(latest)
  }

  togglePlay(): void {
    if (this.playing) this.pause()
    else this.play()
  }

  setSpeed(speed: number): void {
    this.speed = speed
  }

  async stepForward(): Promise<void> {
    if (this.busy) return
    this.pause()
    const data = await this.run({ type: 'step' }, false)
    if (data?.kind !== 'frame') return
    const delivered = data.frame.flights[data.frame.flights.length - 1]
    this.step = delivered ? { flight: delivered, startedWall: performance.now() } : null
    this.showNow(data.frame)
  }

  async stepBack(): Promise<void> {
    if (this.busy || !this.frame) return
    this.pause()
    const events = this.frame.position.events
    if (events <= 0) return
    await this.jump({ events: events - 1 })
  }

  /** Scrubbing: jumps to a simulated time; while one jump runs, only the latest asked for follows it. */
  seek(timeMs: number): void {
    this.pause()
    this.displayMs = timeMs
    this.clockMs = timeMs
    // The slider's end is the furthest point reached: go back to exactly that event (a range
    // input rounds its value, so "at the end" is within a microsecond of it).
    const head = this.headPosition
    this.pendingSeek = head && timeMs >= head.timeMs - 0.001 ? { events: head.events, timeMs: head.timeMs } : { timeMs }
    if (!this.seeking) void this.drainSeeks()
  }

  private async drainSeeks(): Promise<void> {
    this.seeking = true
    try {
      while (this.pendingSeek) {
        const target = this.pendingSeek
        this.pendingSeek = null
        await this.jump(target)
      }
    } finally {
      this.seeking = false
    }
  }

  /** Jumps to the moment a trace record was written (an event log line). */
  async jumpToSeq(seq: number): Promise<void> {
    this.pause()
    await this.jump({ seq })
  }

  private async jump(target: JumpTarget): Promise<void> {
    const before = this.frame?.position.seq ?? 0
    const data = await this.run({ type: 'jump', target }, true)
    if (data?.kind !== 'frame') return
    this.step = null
    const after = data.frame.position.seq
    // Going back: anomalies ahead may be replayed, and should alert again.
    if (after < before) for (const key of [...this.alerted]) if (Number(key.split(':')[0]) > after) this.alerted.delete(key)
    this.showNow(data.frame)
  }

  async cancel(): Promise<void> {
    await this.client.request({ type: 'cancel' })
    this.busy = null
  }

  private tick(now: number): void {
    const wallDelta = Math.min(100, Math.max(0, now - this.lastWall))
    this.lastWall = now
    if (this.playing && !this.busy) {
      const latest = this.frames[this.frames.length - 1]
      const wanted = this.displayMs + wallDelta * this.speed
      // Ask for a few frames' worth at a time, so that the engine stays ahead of the display.
      if (!this.advancing && latest && latest.position.timeMs < wanted + LOOKAHEAD_MS + wallDelta * this.speed) this.requestAdvance(wanted + LOOKAHEAD_MS + 3 * Math.max(wallDelta, 16) * this.speed)
      const reachable = latest ? latest.position.timeMs : this.displayMs
      const shown = Math.min(wanted, reachable)
      this.speedWindow.push({ wall: now, sim: shown })
      while (this.speedWindow.length > 2 && now - this.speedWindow[0]!.wall > 1000) this.speedWindow.shift()
      const first = this.speedWindow[0]!
      if (now - first.wall > 200) this.measuredSpeed = (shown - first.sim) / (now - first.wall)
      this.displayMs = shown
      this.showFrameAt(shown)
      this.maybeRefreshCharts(now)
    }
    for (const listener of this.tickListeners) listener(this.displayMs, this.flights, this.activity, this.step, now)
  }

  private requestAdvance(toMs: number): void {
    this.advancing = true
    this.client
      .request({ type: 'advance', toMs, budgetMs: ADVANCE_BUDGET_MS, stopOnAnomaly: this.pauseOnAnomaly, withFlights: this.speed < FLIGHTS_BELOW_SPEED })
      .then((data) => {
        this.advancing = false
        if (data.kind !== 'frame') return
        if (!this.playing) {
          // Paused while it ran: the engine is there now, so that is what to show.
          this.showNow(data.frame)
          return
        }
        this.receive(data.frame)
        if (data.frame.stopped === 'anomaly' && this.pauseOnAnomaly) this.pause()
      })
      .catch((error: unknown) => {
        this.advancing = false
        this.failed(error)
      })
  }

  /** Takes in a frame from the engine without showing it yet (once: showing it later adds nothing). */
  private receive(frame: Frame): void {
    if (this.received.has(frame)) return
    this.received.add(frame)
    this.frames.push(frame)
    if (frame.activity.length > 0) {
      this.activity.push({ timeMs: frame.position.timeMs, links: frame.activity })
      const keepFrom = this.displayMs - Math.max(50, this.speed * ACTIVITY_WALL_MS * 2)
      if (this.activity[0]!.timeMs < keepFrom) this.activity = this.activity.filter((a) => a.timeMs >= keepFrom)
    }
    if (frame.flights.length > 0) this.flights.push(...frame.flights)
    if (this.flights.length > 0) {
      // Keep what may still be drawn: in flight, or fallen within the last moments.
      const keepFrom = this.displayMs - Math.max(50, this.speed * DROP_FALL_WALL_MS * 2)
      if (this.flights.length > 3000 || this.flights[0]!.at < keepFrom) this.flights = this.flights.filter((f) => f.at >= keepFrom).slice(-3000)
    }
    // The log is cumulative: gathered here, shown with the next frame shown.
    if (frame.logReset) {
      this.logBuffer = frame.log.slice(-MAX_LOG_LINES)
      this.logDirty = true
    } else if (frame.log.length > 0) {
      this.logBuffer.push(...frame.log)
      if (this.logBuffer.length > MAX_LOG_LINES * 1.5) this.logBuffer = this.logBuffer.slice(-MAX_LOG_LINES)
      this.logDirty = true
    }
    this.logDroppedBuffer = frame.logDropped
    if (frame.actions) {
      this.spec = { ...this.spec, actions: frame.actions }
      this.syncAddress()
    }
    if (frame.position.timeMs >= this.headMs) {
      this.headMs = frame.position.timeMs
      this.headPosition = { timeMs: frame.position.timeMs, events: frame.position.events }
    }
    this.noticeAnomalies(frame)
  }

  /** Shows the newest received frame at or before `displayMs`. */
  private showFrameAt(displayMs: number): void {
    let index = -1
    for (let i = this.frames.length - 1; i >= 0; i--) {
      if (this.frames[i]!.position.timeMs <= displayMs) {
        index = i
        break
      }
    }
    if (index < 0) return
    const frame = this.frames[index]!
    if (index > 0) this.frames = this.frames.slice(index)
    // Fast playback changes every number on every frame: the page redraws its panels at
    // most 10 or 20 times a second then (the message-flow diagram still every frame).
    const now = performance.now()
    const interval = this.speed >= 30 ? 100 : this.speed >= 3 ? 50 : 0
    if (frame !== this.frame && now - this.lastFrameWall >= interval) this.setFrame(frame)
  }

  /** Shows a frame at once (paused, after a step, a jump or an action). */
  private showNow(frame: Frame): void {
    this.flights = this.flights.filter((f) => f.at <= frame.position.timeMs + 1)
    this.activity = this.activity.filter((a) => a.timeMs <= frame.position.timeMs)
    this.receive(frame)
    this.frames = [frame]
    this.displayMs = frame.position.timeMs
    this.setFrame(frame)
    void this.refreshCharts()
  }

  private setFrame(frame: Frame): void {
    this.frame = frame
    this.clockMs = this.displayMs
    this.sliderMaxMs = Math.max(this.headMs, this.displayMs, 1)
    if (this.playing) this.effectiveSpeed = this.measuredSpeed
    this.lastFrameWall = performance.now()
    if (this.logDirty) {
      this.logDirty = false
      this.log = this.logBuffer.slice(-MAX_LOG_LINES)
      this.logDropped = this.logDroppedBuffer
    }
    if (!this.firstFrameShown) {
      this.firstFrameShown = true
      // For the web benchmark: when the first cluster frame reached the screen.
      requestAnimationFrame(() => performance.mark('kafkasim:first-render'))
    }
    const now = performance.now()
    if (this.tab === 'messages' && this.recordsFrom === null && now - this.lastRecordsWall > 400) {
      this.lastRecordsWall = now
      void this.loadRecords()
    }
    if (this.tab === 'metadata' && now - this.lastMetadataWall > 600) {
      this.lastMetadataWall = now
      void this.loadMetadata(null)
    }
  }

  private noticeAnomalies(frame: Frame): void {
    for (const anomaly of frame.anomalies) {
      const key = `${anomaly.seq}:${anomaly.name}:${anomaly.message}`
      if (this.alerted.has(key)) continue
      this.alerted.add(key)
      if (!this.anomaly || this.playing) this.raise(anomaly)
    }
  }

  private raise(anomaly: Anomaly): void {
    this.anomaly = anomaly
    const windowStart = anomaly.timeMs - 60_000
    const brokers = new Set(anomaly.brokers.map(String))
    const related = new Set<number>()
    for (const line of this.logBuffer) {
      if (line.seq > anomaly.seq || line.timeMs < windowStart) continue
      const aboutPartition = anomaly.partition !== null && line.partition === anomaly.partition
      const byBroker = brokers.has(line.node) && (line.category === 'leadership' || line.category === 'isr' || line.category === 'log')
      if (line.category === 'fault' || line.category === 'network' || aboutPartition || byBroker) related.add(line.seq)
    }
    this.highlighted = related
    this.logOnlyHighlighted = related.size > 0
  }

  dismissAnomaly(): void {
    this.anomaly = null
    this.highlighted = new Set()
    this.logOnlyHighlighted = false
  }

  // --- acting on the cluster -----------------------------------------------------------

  async act(action: Action): Promise<void> {
    if (this.busy) return
    const wasPlaying = this.playing
    const data = await this.run({ type: 'act', action }, false)
    if (data?.kind !== 'frame') return
    // A new timeline from here: the slider ends where we are.
    this.headMs = data.frame.position.timeMs
    this.headPosition = { timeMs: data.frame.position.timeMs, events: data.frame.position.events }
    if (wasPlaying) this.receive(data.frame)
    else this.showNow(data.frame)
  }

  nodeVerb(nodeId: string, verb: NodeVerb): Promise<void> {
    this.selectedNode = null
    return this.act({ verb, node: nodeRef(nodeId) })
  }

  /** Node verbs that make sense for a node now ("1", "controller-1"). */
  legalVerbs(nodeId: string): NodeVerb[] {
    return this.legal.get(nodeId) ?? []
  }

  selectNode(nodeId: string | null): void {
    if (this.draft && nodeId !== null) {
      const groups = { ...this.draft.groups }
      const current = groups[nodeId]
      if (current === undefined) groups[nodeId] = 0
      else if (current === 0) groups[nodeId] = 1
      else delete groups[nodeId]
      this.draft = { groups }
      return
    }
    this.selectedNode = this.selectedNode === nodeId ? null : nodeId
  }

  startPartitionDraft(): void {
    this.selectedNode = null
    this.draft = { groups: {} }
  }

  cancelPartitionDraft(): void {
    this.draft = null
  }

  draftGroups(): NodeRef[][] {
    const groups: NodeRef[][] = [[], []]
    for (const [id, group] of Object.entries(this.draft?.groups ?? {})) groups[group]!.push(nodeRef(id))
    return groups
  }

  draftProblem(): string | null {
    return partitionProblem(this.draftGroups())
  }

  async applyPartitionDraft(): Promise<void> {
    if (this.draftProblem()) return
    const groups = this.draftGroups().map((g) => [...g].sort((a, b) => String(a).localeCompare(String(b))))
    this.draft = null
    await this.act({ verb: 'partition', groups })
  }

  // --- queries -------------------------------------------------------------------------

  async loadRecords(fromOffset: number | null = this.recordsFrom): Promise<void> {
    const view = this.view
    if (!view) return
    const partition = Math.min(this.browsePartition, view.partitions.length - 1)
    const pageSize = 50
    let from = fromOffset
    if (from === null) {
      const p = view.partitions.find((x) => x.partition === partition)
      const end = Math.max(0, ...Object.values(p?.logs ?? {}).map((l) => l.leo))
      from = Math.max(0, end - pageSize)
    }
    this.recordsFrom = fromOffset
    const data = await this.client.request({ type: 'records', partition, fromOffset: from, limit: pageSize }).catch((e: unknown) => this.failed(e))
    if (data?.kind === 'records') this.records = data.view
  }

  async loadMetadata(fromOffset: number | null): Promise<void> {
    const pageSize = 100
    const end = this.view?.controller.metadataOffset ?? 0
    const from = fromOffset ?? Math.max(0, end + 1 - pageSize)
    const data = await this.client.request({ type: 'metadata', fromOffset: from, limit: pageSize }).catch((e: unknown) => this.failed(e))
    if (data?.kind === 'metadata') this.metadata = data.page
  }

  async refreshCharts(): Promise<void> {
    if (this.chartsInFlight || !this.frame) return
    this.chartsInFlight = true
    const to = this.frame.position.timeMs
    const from = this.chartsWholeRun ? 0 : Math.max(0, to - 120_000)
    const end = Math.max(to, from + 10_000)
    // Buckets of at least a simulated second, at most 60 of them.
    const buckets = Math.max(1, Math.min(60, Math.round((end - from) / 1000)))
    const data = await this.client.request({ type: 'charts', fromMs: from, toMs: end, buckets }).catch((e: unknown) => this.failed(e))
    this.chartsInFlight = false
    if (data?.kind === 'charts') this.charts = data.data
  }

  private maybeRefreshCharts(now: number): void {
    if (now - this.lastChartsWall < 500) return
    this.lastChartsWall = now
    void this.refreshCharts()
  }

  /** Shows the newest records in the trace's ring buffer, routine ones included, or goes back to the notable log. */
  async toggleRoutine(): Promise<void> {
    if (this.routine) {
      this.routine = null
      return
    }
    const data = await this.client.request({ type: 'routine', limit: 1000 }).catch((e: unknown) => this.failed(e))
    this.routine = data?.kind === 'routine' ? data.lines : []
  }

  toggleLogCategory(category: LogCategory): void {
    const next = new Set(this.logFilter)
    if (next.has(category)) next.delete(category)
    else next.add(category)
    this.logFilter = next
  }

  /** The whole trace as JSON Lines (from a replay up to now). */
  async exportTrace(): Promise<{ blob: Blob; records: number; truncated: boolean } | null> {
    this.pause()
    const data = await this.run({ type: 'export-trace' }, true)
    if (data?.kind !== 'export') return null
    return { blob: new Blob(data.chunks, { type: 'application/x-ndjson' }), records: data.records, truncated: data.truncated }
  }

  // --- sharing -----------------------------------------------------------------------

  /** A link to this session, opening at this exact moment. */
  makeShareLink(): string {
    const position = this.frame ? { timeMs: this.frame.position.timeMs, events: this.frame.position.events } : null
    const url = new URL(window.location.href)
    url.search = linkFor(this.spec, position, this.scenario.selected || null)
    this.shareLink = url.toString()
    return this.shareLink
  }

  private syncAddress(): void {
    try {
      const url = new URL(window.location.href)
      url.search = linkFor(this.spec, null, this.scenario.selected || null)
      window.history.replaceState(null, '', url)
    } catch {
      // An address that cannot be rewritten (a sandboxed frame) is left as it is.
    }
  }

  // --- plumbing --------------------------------------------------------------------------

  /** A request to the engine; long ones show progress and block other verbs. */
  private async run(request: Parameters<EngineClient['request']>[0], long: boolean): Promise<ResultData | null> {
    if (long) this.busy = { label: 'Working', done: 0, total: 1 }
    try {
      return await this.client.request(request, long ? (progress) => (this.busy = progress) : undefined)
    } catch (error) {
      if (!(error instanceof CancelledError)) this.failed(error)
      return null
    } finally {
      if (long) this.busy = null
    }
  }

  private failed(error: unknown): null {
    this.notice = error instanceof Error ? error.message : String(error)
    return null
  }
}

export function nodeRef(nodeId: string): NodeRef {
  return nodeId === 'controller-1' ? 'controller' : Number(nodeId)
}

function legalByNode(view: ClusterView): Map<string, NodeVerb[]> {
  const map = new Map<string, NodeVerb[]>()
  for (const b of view.brokers) map.set(b.id, legalNodeVerbs(b))
  map.set(view.controller.id, legalNodeVerbs(view.controller))
  return map
}
