// The scenario picker's state: which scenario, the engine's run of it, and the playback of
// that run. The engine runs a scenario to its end at once (sim/scenario/engine.ts has no
// pause); this class then plays the finished run back on its own clock, paced by
// requestAnimationFrame: wall time decides only how fast the recorded lines are revealed,
// never what happens in the run. Expectations are decided by the engine at the end of the
// run, so they turn green or red when the playback clock gets there.

import type { ScenarioOutcome, ScenarioPlayback } from '../engine/scenarios.ts'
import { StoppedError, type ScenarioRunner } from './scenario-runner.ts'
import { quote, SCENARIO_NAME } from '../engine/spec.ts'

/** Playback speeds, simulated ms per wall ms. */
export const SCENARIO_SPEEDS = [1, 2, 5, 10, 20, 50, 100] as const
/** A file the user picks is read only up to this size (the scenario loader's own limit is larger). */
export const MAX_SCENARIO_FILE_BYTES = 1_000_000

export interface ScenarioError {
  /** What was asked for: a library name, a link, a file. */
  source: string
  /** The problems, one per line, as plain text. */
  issues: string[]
}


export class ScenarioPlayer {
  /** The library's scenario names. */
  readonly names: readonly string[]
  selected = $state('')
  playback = $state.raw<ScenarioPlayback | null>(null)
  error = $state.raw<ScenarioError | null>(null)
  /** Simulated ms the playback has reached. */
  clockMs = $state(0)
  playing = $state(false)
  speed = $state<number>(10)
  /** The engine is running a scenario. */
  running = $state(false)
  /** Timeline lines up to the playback clock. */
  readonly shownLines = $derived.by(() => {
    const p = this.playback
    if (!p) return []
    let n = 0
    while (n < p.timeline.length && p.timeline[n]!.atMs <= this.clockMs) n++
    return p.timeline.slice(0, n)
  })
  /** Whether the playback has reached the point where the engine gave its verdicts. */
  readonly decided = $derived(this.playback !== null && this.clockMs >= this.playback.endMs)

  private rafId = 0
  private lastWall = 0

  constructor(
    private readonly texts: ReadonlyMap<string, string>,
    private readonly runner: ScenarioRunner,
    /** Told when the scenario picked changes (the page's address names it). */
    private readonly onPicked: () => void,
  ) {
    this.names = [...texts.keys()]
  }

  /** Plays a library scenario by name; an unknown name is an error, shown as text. */
  async pick(name: string, from = 'the picker'): Promise<void> {
    const text = SCENARIO_NAME.test(name) ? this.texts.get(name) : undefined
    if (text === undefined) {
      this.stopPlayback()
      this.playback = null
      this.error = { source: from, issues: [`There is no scenario ${quote(name)} in the library; it has: ${this.names.join(', ')}.`] }
      return
    }
    this.selected = name
    this.onPicked()
    await this.load(text, `scenarios/${name}.yaml`)
  }

  /** Runs a scenario's YAML text (a file the user picked) and plays it from the start. */
  async load(text: string, source: string): Promise<void> {
    this.stopPlayback()
    this.playback = null
    this.error = null
    this.running = true
    let outcome: ScenarioOutcome
    try {
      outcome = await this.runner.run(text, source)
    } catch (error) {
      if (error instanceof StoppedError) return
      outcome = { ok: false, source, issues: [error instanceof Error ? error.message : String(error)] }
    } finally {
      this.running = false
    }
    if (!outcome.ok) {
      this.error = { source: outcome.source, issues: outcome.issues }
      return
    }
    this.playback = outcome.playback
    this.clockMs = 0
    this.play()
  }

  /** Reads a file the user chose: only its text, never run as code; too large a file is refused. */
  async loadFile(file: File): Promise<void> {
    if (file.size > MAX_SCENARIO_FILE_BYTES) {
      this.stopPlayback()
      this.playback = null
      this.error = { source: file.name, issues: [`${quote(file.name)} is ${file.size} bytes; a scenario file may have at most ${MAX_SCENARIO_FILE_BYTES}.`] }
      return
    }
    this.selected = ''
    this.onPicked()
    await this.load(await file.text(), file.name)
  }

  play(): void {
    const p = this.playback
    if (!p || this.playing) return
    if (this.clockMs >= p.endMs) this.clockMs = 0
    this.playing = true
    this.lastWall = performance.now()
    const loop = (now: number) => {
      if (!this.playing || !this.playback) return
      const next = Math.min(this.playback.endMs, this.clockMs + (now - this.lastWall) * this.speed)
      this.lastWall = now
      this.clockMs = next
      if (next >= this.playback.endMs) {
        this.playing = false
        return
      }
      this.rafId = requestAnimationFrame(loop)
    }
    this.rafId = requestAnimationFrame(loop)
  }

  pause(): void {
    this.stopPlayback()
  }

  /** Jumps the playback to the end: every line and every verdict. */
  skipToEnd(): void {
    this.stopPlayback()
    if (this.playback) this.clockMs = this.playback.endMs
  }

  /** Stops the engine's run of a scenario (a long one); nothing is shown of it. */
  stopRun(): void {
    this.runner.stop()
  }

  dismissError(): void {
    this.error = null
  }

  private stopPlayback(): void {
    this.playing = false
    cancelAnimationFrame(this.rafId)
  }
}
