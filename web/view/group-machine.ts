// The classic group's state machine as a diagram: states and transitions read from core's
// xstate definition (core/group/group-state-machine.ts), not copied by hand, so the
// drawing changes when the machine does. The layout is ours: the rebalance cycle
// (Empty -> PreparingRebalance -> CompletingRebalance -> Stable -> back) clockwise on a
// grid in the machine's own state order, and Dead, the end state, below it; GROUP_DEAD,
// which every live state takes to Dead, is one arrow "from every state".

import { groupStateMachine } from '../../core/group/group-state-machine.ts'

export interface MachineState {
  name: string
  x: number
  y: number
  initial: boolean
  final: boolean
}

export interface MachineEdge {
  /** The source state, or "*" for an event every live state takes to the same state. */
  from: string
  to: string
  /** The event, with its guard when it has one ("JOIN_COMPLETE [joinedMembersRemain]"). */
  label: string
  /** An SVG path from one state's box to the other's (a loop for a self-transition). */
  path: string
  /** Where the label goes, and which end of it is there. */
  labelX: number
  labelY: number
  anchor: 'start' | 'middle' | 'end'
}

export interface MachineDiagram {
  id: string
  width: number
  height: number
  boxWidth: number
  boxHeight: number
  states: MachineState[]
  edges: MachineEdge[]
}

interface TransitionLike {
  target?: readonly { key: string }[]
  guard?: unknown
}

function guardName(guard: unknown): string | null {
  if (typeof guard === 'string') return guard
  if (guard && typeof (guard as { type?: unknown }).type === 'string') return (guard as { type: string }).type
  return null
}

const WIDTH = 430
const HEIGHT = 250
const BOX_W = 128
const BOX_H = 26
/** The rebalance cycle's four states go on a 2 x 2 grid, clockwise in the machine's order. */
const GRID = [
  { x: 86, y: 40 },
  { x: 318, y: 40 },
  { x: 318, y: 160 },
  { x: 86, y: 160 },
]

/** Every state and transition of the machine, laid out for an SVG of WIDTH x HEIGHT. */
export function groupMachineDiagram(machine = groupStateMachine): MachineDiagram {
  const root = machine.root
  const names = Object.keys(root.states)
  const initial = String(machine.config.initial)
  // An end state: no transition leads out of it (Dead only loops to itself).
  const finals = new Set(names.filter((n) => [...root.states[n]!.transitions.values()].every((ts) => ts.every((t) => ((t as TransitionLike).target ?? []).every((s) => s.key === n)))))
  const ring = names.filter((n) => !finals.has(n))
  const position = new Map<string, { x: number; y: number }>()
  ring.forEach((name, i) => {
    if (ring.length === GRID.length) {
      position.set(name, GRID[i]!)
      return
    }
    // Another machine: its states on an ellipse.
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / ring.length
    position.set(name, { x: 202 + 120 * Math.cos(angle), y: 100 + 72 * Math.sin(angle) })
  })
  ;[...finals].forEach((name, i) => position.set(name, { x: 202 + i * (BOX_W + 10), y: HEIGHT - BOX_H / 2 - 4 }))

  const transitions: { from: string; to: string; label: string }[] = []
  for (const name of names) {
    for (const [event, list] of root.states[name]!.transitions) {
      for (const t of list as readonly TransitionLike[]) {
        const guard = guardName(t.guard)
        for (const target of t.target ?? []) transitions.push({ from: name, to: target.key, label: guard ? `${event} [${guard}]` : event })
      }
    }
  }
  const edges: MachineEdge[] = []
  for (const t of transitions) {
    // An event every live state takes to the same end state (GROUP_DEAD) is drawn once, as "from every state".
    const fromAll = finals.has(t.to) && t.from !== t.to && ring.every((r) => transitions.some((o) => o.from === r && o.to === t.to && o.label === t.label))
    if (fromAll) {
      if (edges.some((e) => e.from === '*' && e.to === t.to && e.label.startsWith(t.label))) continue
      const end = position.get(t.to)!
      edges.push({ from: '*', to: t.to, label: `${t.label} (from every state)`, path: `M ${end.x} ${end.y - BOX_H / 2 - 26} L ${end.x} ${end.y - BOX_H / 2}`, labelX: end.x, labelY: end.y - BOX_H / 2 - 30, anchor: 'middle' })
      continue
    }
    edges.push(edge(t.from, t.to, t.label, position))
  }
  return {
    id: machine.id,
    width: WIDTH,
    height: HEIGHT,
    boxWidth: BOX_W,
    boxHeight: BOX_H,
    states: names.map((name) => ({ name, ...position.get(name)!, initial: name === initial, final: finals.has(name) })),
    edges,
  }
}

/** Where the segment from the centre of a box toward (tx, ty) leaves the box. */
function boxExit(x: number, y: number, tx: number, ty: number): { x: number; y: number } {
  const dx = tx - x
  const dy = ty - y
  if (dx === 0 && dy === 0) return { x, y }
  const scale = Math.min(Math.abs(BOX_W / 2 / (dx || 1e-9)), Math.abs(BOX_H / 2 / (dy || 1e-9)))
  return { x: x + dx * scale, y: y + dy * scale }
}

function edge(from: string, to: string, label: string, position: Map<string, { x: number; y: number }>): MachineEdge {
  const a = position.get(from)!
  const b = position.get(to)!
  if (from === to) {
    const x = a.x + BOX_W / 2 - 10
    const y = a.y - BOX_H / 2
    return { from, to, label, path: `M ${x - 14} ${y} C ${x - 14} ${y - 22}, ${x + 14} ${y - 22}, ${x + 4} ${y}`, labelX: x + 16, labelY: y - 8, anchor: 'start' }
  }
  // Curve to the right of the direction of travel, so that A->B and B->A do not overlap.
  const mx = (a.x + b.x) / 2
  const my = (a.y + b.y) / 2
  const dx = b.x - a.x
  const dy = b.y - a.y
  const length = Math.hypot(dx, dy)
  const bend = 22
  const qx = mx + (-dy / length) * bend
  const qy = my + (dx / length) * bend
  const start = boxExit(a.x, a.y, qx, qy)
  const end = boxExit(b.x, b.y, qx, qy)
  // The label sits on the outside of the curve, clear of the line.
  const nx = -dy / length
  const ny = dx / length
  const anchor: MachineEdge['anchor'] = Math.abs(nx) < 0.3 ? 'middle' : nx > 0 ? 'start' : 'end'
  return {
    from,
    to,
    label,
    path: `M ${start.x.toFixed(1)} ${start.y.toFixed(1)} Q ${qx.toFixed(1)} ${qy.toFixed(1)} ${end.x.toFixed(1)} ${end.y.toFixed(1)}`,
    labelX: (mx + qx) / 2 + nx * 8,
    labelY: (my + qy) / 2 + ny * 8 + (ny > 0.3 ? 8 : 0),
    anchor,
  }
}
