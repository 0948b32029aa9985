// The message-flow diagram: nodes, the links between them (cut links dashed, with a cross),
// and every message drawn where it is at the display time, interpolated between the times
// it was sent and received. Drawn with d3 joins keyed by stable ids ("b1", "l:1|2",
// "m:1234"), redrawn each animation frame.

import { select, type Selection } from 'd3'
import type { Flight, LinkActivity } from '../engine/run.ts'
import type { ClusterView } from '../engine/view.ts'
import { put, putText } from './attrs.ts'

export const WIDTH = 1000
export const HEIGHT = 236

export interface NodeBox {
  /** The simulation's node id: "1", "controller-1", "producer-2". */
  id: string
  /** d3 key: "b1", "controller", "producer-2". */
  key: string
  kind: 'broker' | 'controller' | 'producer' | 'consumer'
  label: string
  x: number
  y: number
  state: 'up' | 'paused' | 'crashed' | 'stopped'
  isolated: boolean
  fenced: boolean
  group: number | null
}

export interface LinkLine {
  key: string
  a: NodeBox
  b: NodeBox
  /** Why nothing gets through, in one or both directions. */
  cut: 'both' | 'a->b' | 'b->a' | null
  curved: boolean
}

export type MessageKind = 'produce' | 'ack' | 'replica-fetch' | 'replica-data' | 'consumer-fetch' | 'consumer-data' | 'isr' | 'control'

export const MESSAGE_KINDS: readonly { kind: MessageKind; label: string; color: string }[] = [
  { kind: 'produce', label: 'Produce', color: '#2563eb' },
  { kind: 'ack', label: 'Produce answer (ack)', color: '#16a34a' },
  { kind: 'replica-fetch', label: 'Follower fetch', color: '#7c3aed' },
  { kind: 'replica-data', label: 'Fetch answer to follower', color: '#c4b5fd' },
  { kind: 'consumer-fetch', label: 'Consumer fetch', color: '#0e7490' },
  { kind: 'consumer-data', label: 'Fetch answer to consumer', color: '#67e8f9' },
  { kind: 'isr', label: 'AlterPartition (ISR change)', color: '#ea580c' },
  { kind: 'control', label: 'Heartbeats and metadata', color: '#94a3b8' },
]

const KIND_COLOR = new Map(MESSAGE_KINDS.map((k) => [k.kind, k.color]))

export function messageKind(flight: Pick<Flight, 'type' | 'from' | 'to'>): MessageKind {
  switch (flight.type) {
    case 'Produce':
      return 'produce'
    case 'ProduceResponse':
      return 'ack'
    case 'Fetch':
      return flight.from.startsWith('consumer') ? 'consumer-fetch' : 'replica-fetch'
    case 'FetchResponse':
      return flight.to.startsWith('consumer') ? 'consumer-data' : 'replica-data'
    case 'AlterPartition':
    case 'AlterPartitionResponse':
      return 'isr'
    default:
      return 'control'
  }
}

/** Where every node sits in the diagram. */
export function layout(view: ClusterView, draftGroups: Record<string, number> | null): NodeBox[] {
  const boxes: NodeBox[] = []
  const n = view.brokers.length
  const left = 230
  const right = 770
  // Up to six brokers in a row; more in two staggered rows, so that boxes never overlap.
  const staggered = n > 6
  view.brokers.forEach((b, i) => {
    boxes.push({
      id: b.id,
      key: `b${b.id}`,
      kind: 'broker',
      label: `broker ${b.id}`,
      x: n === 1 ? 500 : left + ((right - left) * i) / (n - 1),
      y: staggered ? (i % 2 === 0 ? 124 : 166) : 140,
      state: b.process,
      isolated: b.isolated,
      fenced: b.fenced,
      group: draftGroups?.[b.id] ?? null,
    })
  })
  const c = view.controller
  boxes.push({ id: c.id, key: 'controller', kind: 'controller', label: 'controller', x: 500, y: 34, state: c.process, isolated: c.isolated, fenced: false, group: draftGroups?.[c.id] ?? null })
  const column = (ids: { id: string; active: boolean }[], kind: 'producer' | 'consumer', x: number) => {
    ids.forEach((client, i) => {
      const y = ids.length === 1 ? 140 : 40 + (160 * i) / (ids.length - 1)
      boxes.push({ id: client.id, key: client.id, kind, label: client.id, x, y, state: client.active ? 'up' : 'stopped', isolated: false, fenced: false, group: null })
    })
  }
  column(view.producers.filter((p) => p.active), 'producer', 70)
  column(view.consumers.filter((c) => c.active), 'consumer', 930)
  return boxes
}

function cutBetween(view: ClusterView, from: string, to: string): boolean {
  const net = view.network
  if (net.isolated.includes(from) || net.isolated.includes(to)) return true
  const gf = net.partition.findIndex((g) => g.includes(from))
  const gt = net.partition.findIndex((g) => g.includes(to))
  if (gf >= 0 && gt >= 0 && gf !== gt) return true
  return net.blocked.some(([a, b]) => a === from && b === to)
}

export function links(view: ClusterView, boxes: readonly NodeBox[]): LinkLine[] {
  const out: LinkLine[] = []
  const brokers = boxes.filter((b) => b.kind === 'broker')
  const controller = boxes.find((b) => b.kind === 'controller')!
  const add = (a: NodeBox, b: NodeBox, curved: boolean) => {
    const ab = cutBetween(view, a.id, b.id)
    const ba = cutBetween(view, b.id, a.id)
    out.push({ key: `l:${a.key}|${b.key}`, a, b, cut: ab && ba ? 'both' : ab ? 'a->b' : ba ? 'b->a' : null, curved })
  }
  for (const b of brokers) add(controller, b, false)
  for (let i = 0; i < brokers.length; i++) for (let j = i + 1; j < brokers.length; j++) add(brokers[i]!, brokers[j]!, true)
  for (const client of boxes.filter((b) => b.kind === 'producer' || b.kind === 'consumer')) for (const b of brokers) add(client, b, false)
  return out
}

/** A point on the link from `a` to `b` at fraction t (broker-to-broker links bow downwards). */
export function pointOn(a: NodeBox, b: NodeBox, t: number, curved: boolean): [number, number] {
  if (!curved) return [a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t]
  const [cx, cy] = control(a, b)
  const u = 1 - t
  return [u * u * a.x + 2 * u * t * cx + t * t * b.x, u * u * a.y + 2 * u * t * cy + t * t * b.y]
}

function control(a: NodeBox, b: NodeBox): [number, number] {
  const span = Math.abs(b.x - a.x)
  return [(a.x + b.x) / 2, Math.max(a.y, b.y) + 18 + span * 0.14]
}

function linkPath(l: LinkLine): string {
  if (!l.curved) return `M${l.a.x},${l.a.y}L${l.b.x},${l.b.y}`
  const [cx, cy] = control(l.a, l.b)
  return `M${l.a.x},${l.a.y}Q${cx},${cy} ${l.b.x},${l.b.y}`
}

export interface DrawInput {
  view: ClusterView
  boxes: NodeBox[]
  lines: LinkLine[]
  displayMs: number
  flights: readonly Flight[]
  /** Too fast to follow messages: traffic is shown per link only (drops counted on it). */
  perLink: boolean
  /** Traffic per link, frame by frame. */
  activity: readonly { timeMs: number; links: readonly LinkActivity[] }[]
  /** A stepped message flies over STEP_FLIGHT_MS of wall time instead of its simulated time. */
  step: { flight: Flight; progress: number } | null
  /** Simulated ms a dropped message takes to fall (from the playback speed). */
  dropFallMs: number
  /** Simulated ms of recent traffic that lights a link. */
  activityMs: number
  selected: string | null
  onSelect(id: string): void
}

interface Dot {
  key: string
  x: number
  y: number
  color: string
  dropped: boolean
  opacity: number
}

/** Draws into an <svg>, keeping its own layers. */
export class TopologyRenderer {
  private readonly linkLayer: Selection<SVGGElement, unknown, null, undefined>
  private readonly nodeLayer: Selection<SVGGElement, unknown, null, undefined>
  private readonly dotLayer: Selection<SVGGElement, unknown, null, undefined>

  constructor(svg: SVGSVGElement) {
    const root = select(svg)
    root.selectAll('*').remove()
    this.linkLayer = root.append('g').attr('class', 'links')
    this.nodeLayer = root.append('g').attr('class', 'nodes')
    this.dotLayer = root.append('g').attr('class', 'dots').attr('pointer-events', 'none')
  }

  draw(input: DrawInput): void {
    const byId = new Map(input.boxes.map((b) => [b.id, b]))
    const lineByPair = new Map<string, LinkLine>()
    for (const l of input.lines) {
      lineByPair.set(`${l.a.id}|${l.b.id}`, l)
      lineByPair.set(`${l.b.id}|${l.a.id}`, l)
    }
    // Recent traffic lights a link up in the colour of its latest message, fading with age;
    // its width grows with the number of messages; drops are counted on it. Links with a
    // message in flight show too.
    const activity = new Map<string, { count: number; drops: number; type: string; from: string; to: string; at: number }>()
    const inFlight = new Set<string>()
    const from = input.displayMs - input.activityMs
    for (const sample of input.activity) {
      if (sample.timeMs <= from || sample.timeMs > input.displayMs + input.activityMs * 0.05) continue
      for (const link of sample.links) {
        const line = lineByPair.get(`${link.from}|${link.to}`)
        if (!line) continue
        const seen = activity.get(line.key)
        if (!seen) activity.set(line.key, { count: link.count, drops: link.drops, type: link.type, from: link.from, to: link.to, at: link.at })
        else {
          seen.count += link.count
          seen.drops += link.drops
          if (link.at >= seen.at) Object.assign(seen, { type: link.type, from: link.from, to: link.to, at: link.at })
        }
      }
    }
    for (const f of input.flights) {
      if (f.dropped || !(f.sentAt <= input.displayMs && input.displayMs < f.at)) continue
      const line = lineByPair.get(`${f.from}|${f.to}`)
      if (line) inFlight.add(line.key)
    }
    const shown = input.lines.filter((l) => l.a.kind === 'broker' || l.a.kind === 'controller' || activity.has(l.key) || inFlight.has(l.key) || l.cut)
    const displayMs = input.displayMs
    const activityMs = input.activityMs
    const fastForDots = input.perLink
    this.linkLayer
      .selectAll<SVGGElement, LinkLine>('g.link')
      .data(shown, (d) => d.key)
      .join((enter) => {
        const g = enter.append('g').attr('class', 'link')
        g.append('path').attr('class', 'wire').attr('fill', 'none')
        g.append('text').attr('class', 'cut-mark').attr('text-anchor', 'middle').attr('dominant-baseline', 'central')
        return g
      })
      .each(function (d) {
        const busy = activity.get(d.key)
        const fresh = busy ? 1 - Math.min(1, Math.max(0, displayMs - busy.at) / Math.max(1e-9, activityMs)) : 0
        put(this.firstElementChild!, {
          d: linkPath(d),
          stroke: d.cut ? '#dc2626' : busy && busy.count > 0 ? KIND_COLOR.get(messageKind(busy))! : '#cbd5e1',
          'stroke-width': d.cut ? 1.5 : (1 + Math.min(3, Math.log2(1 + (busy?.count ?? 0)) / 2)).toFixed(1),
          'stroke-dasharray': d.cut ? '5 4' : null,
          opacity: d.cut ? 0.9 : busy ? (0.3 + 0.6 * fresh).toFixed(1) : 0.5,
        })
        const [mx, my] = pointOn(d.a, d.b, 0.5, d.curved)
        const mark = this.lastElementChild!
        put(mark, { x: mx.toFixed(1), y: my.toFixed(1), fill: '#dc2626', 'font-size': 13 })
        const cutText = d.cut ? (d.cut === 'both' ? '✕' : d.cut === 'a->b' ? `✕ ${d.a.label.replace('broker ', '')}→${d.b.label.replace('broker ', '')}` : `✕ ${d.b.label.replace('broker ', '')}→${d.a.label.replace('broker ', '')}`) : ''
        // At speed, dropped messages cannot be seen falling one by one: the link counts them.
        const dropText = busy && busy.drops > 0 && fastForDots ? ` ${busy.drops} dropped` : ''
        putText(mark, cutText + dropText)
      })

    const brokerCount = input.boxes.filter((b) => b.kind === 'broker').length
    const brokerWidth = brokerCount > 6 ? 58 : 66
    const onSelect = input.onSelect
    this.nodeLayer
      .selectAll<SVGGElement, NodeBox>('g.node')
      .data(input.boxes, (d) => d.key)
      .join((enter) => {
        const g = enter
          .append('g')
          .attr('class', 'node')
          .attr('role', 'button')
          .attr('tabindex', 0)
          .style('cursor', 'pointer')
          .on('click', (_event, d) => onSelect(d.id))
          .on('keydown', (event: KeyboardEvent, d) => {
            if (event.key === 'Enter' || event.key === ' ') {
              event.preventDefault()
              event.stopPropagation()
              onSelect(d.id)
            }
          })
        g.append('rect').attr('class', 'box')
        g.append('text').attr('class', 'label').attr('text-anchor', 'middle').attr('dominant-baseline', 'central')
        g.append('text').attr('class', 'badge').attr('text-anchor', 'middle').attr('font-size', 10)
        return g
      })
      .each(function (d) {
        put(this, { transform: `translate(${d.x},${d.y})`, 'aria-label': `${d.label}: ${nodeStateText(d)}` })
        const w = d.kind === 'broker' ? brokerWidth : d.kind === 'controller' ? 92 : 88
        const h = 30
        const fill = d.state === 'crashed' ? '#f1f5f9' : d.state === 'paused' ? '#fef9c3' : d.state === 'stopped' ? '#f8fafc' : d.kind === 'controller' ? '#fff7ed' : d.kind === 'broker' ? '#ecfeff' : '#f8fafc'
        const stroke = d.group === 0 ? '#2563eb' : d.group === 1 ? '#c026d3' : input.selected === d.id ? '#0f172a' : d.state === 'crashed' ? '#94a3b8' : d.isolated ? '#dc2626' : '#64748b'
        const [box, label, badge] = [this.children[0]!, this.children[1]!, this.children[2]!]
        put(box, {
          x: -w / 2,
          y: -h / 2,
          width: w,
          height: h,
          rx: 6,
          fill,
          stroke,
          'stroke-width': d.group !== null || input.selected === d.id ? 3 : 1.2,
          'stroke-dasharray': d.state === 'crashed' ? '4 3' : null,
        })
        put(label, { 'font-size': 12, fill: d.state === 'crashed' ? '#64748b' : '#0f172a' })
        putText(label, d.kind === 'broker' ? `B${d.id}` : d.label)
        put(badge, { y: h / 2 + 11, fill: d.state === 'crashed' || d.isolated ? '#b91c1c' : '#475569' })
        // "running" goes without saying: only other states are written under a node.
        const state = nodeStateText(d)
        putText(badge, d.group !== null ? `group ${d.group === 0 ? 'A' : 'B'}` : state === 'running' ? '' : state)
      })

    const dots: Dot[] = []
    const place = (f: Flight, t: number, dropFall: number | null) => {
      const a = byId.get(f.from)
      const b = byId.get(f.to)
      if (!a || !b) return
      const line = lineByPair.get(`${f.from}|${f.to}`)
      const [x, y] = pointOn(a, b, t, line?.curved ?? false)
      const color = KIND_COLOR.get(messageKind(f))!
      if (dropFall === null) dots.push({ key: `m:${f.seq}`, x, y, color, dropped: false, opacity: 1 })
      else dots.push({ key: `m:${f.seq}`, x, y: y + 34 * dropFall, color: '#dc2626', dropped: true, opacity: 1 - 0.85 * dropFall })
    }
    const d = input.displayMs
    for (const f of input.flights) {
      if (input.step && f.seq === input.step.flight.seq) continue
      if (f.dropped) {
        if (d < f.at || d > f.at + input.dropFallMs) continue
        const t = f.dropped === 'node-down' || f.dropped === 'node-restarted' ? 0.85 : 0.45
        place(f, t, Math.min(1, (d - f.at) / Math.max(1e-9, input.dropFallMs)))
      } else if (f.sentAt <= d && d < f.at) {
        place(f, (d - f.sentAt) / Math.max(1e-9, f.at - f.sentAt), null)
      }
    }
    if (input.step) {
      const f = input.step.flight
      if (f.dropped) place(f, f.dropped === 'node-down' ? 0.85 : 0.45, input.step.progress)
      else if (input.step.progress < 1) place(f, input.step.progress, null)
    }
    this.dotLayer
      .selectAll<SVGGElement, Dot>('g.dot')
      .data(dots, (x) => x.key)
      .join((enter) => {
        const g = enter.append('g').attr('class', 'dot')
        g.append('circle').attr('r', 4.5)
        g.append('text').attr('text-anchor', 'middle').attr('dominant-baseline', 'central').attr('font-size', 8).attr('fill', '#fff')
        return g
      })
      .each(function (x) {
        put(this, { transform: `translate(${x.x.toFixed(1)},${x.y.toFixed(1)})`, opacity: x.opacity.toFixed(2) })
        put(this.firstElementChild!, { fill: x.color, stroke: x.dropped ? '#7f1d1d' : '#fff', 'stroke-width': 1 })
        putText(this.lastElementChild!, x.dropped ? '×' : '')
      })
  }
}

export function nodeStateText(d: Pick<NodeBox, 'state' | 'isolated' | 'fenced'>): string {
  const parts: string[] = [d.state === 'up' ? 'running' : d.state]
  if (d.isolated) parts.push('isolated')
  if (d.fenced && d.state === 'up') parts.push('fenced')
  return parts.join(', ')
}
