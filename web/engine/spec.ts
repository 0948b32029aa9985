// A session: a seed, the initial settings and the log of the user's actions, each stamped
// with where in the run it was taken. The same session gives the same run, event for
// event, so it is all a shared link has to carry. This module reads and writes the link's
// query string; it validates every field (nothing is clamped silently, nothing evaluated)
// and names what is wrong in plain text.

import { actionFromText, actionToText, ActionSyntaxError, KEY_CHOICES, MAX_CONSUMERS, MAX_LINGER_MS, MAX_PRODUCERS, MAX_RATE, type Acks, type KeyChoice, type RecordedAction } from './actions.ts'

/** What a scenario name may look like (the library's file names, without .yaml). */
export const SCENARIO_NAME = /^[a-z0-9][a-z0-9-]{0,79}$/

export interface SessionSettings {
  /** Broker ids 1..brokers. */
  brokers: number
  /** Partitions of the session's topic. */
  partitions: number
  replicationFactor: number
  /** The topic's min.insync.replicas when it is created. */
  minInsyncReplicas: number
  /** The topic's unclean.leader.election.enable when it is created. */
  uncleanElection: boolean
  /** Producers started with the cluster. */
  producers: number
  /** Their acks. */
  acks: Acks
  /** Their linger.ms (Kafka 4.x's default is 5, KIP-1030). */
  lingerMs: number
  /** How their records are keyed. */
  keys: KeyChoice
  /** Records per simulated second, per producer. */
  recordsPerSec: number
  /** Consumers (members of the session's group, subscribed to its topic) started with the cluster. */
  consumers: number
  /** Whether the invariant checkers run after every event. */
  checks: boolean
}

export interface SessionSpec {
  seed: number
  settings: SessionSettings
  actions: RecordedAction[]
}

/** Where to open a session: a time (simulated ms) and, for an exact position, an event count. */
export interface Position {
  timeMs: number
  events?: number
}

export const TOPIC = 'orders'
export const DEFAULT_SEED = 42
export const MAX_BROKERS = 9
export const MAX_PARTITIONS = 200
/** Partitions drawn one by one on each broker; beyond this a broker shows a summary. */
export const DETAIL_PARTITIONS = 50
/** A session's simulated time is capped (six hours) so a link cannot ask for an endless replay. */
export const MAX_TIME_MS = 6 * 3_600_000
export const MAX_ACTIONS = 2000

export const DEFAULT_SETTINGS: SessionSettings = {
  brokers: 3,
  partitions: 6,
  replicationFactor: 3,
  minInsyncReplicas: 2,
  uncleanElection: false,
  producers: 2,
  acks: -1,
  lingerMs: 5,
  keys: 'uniform',
  recordsPerSec: 10,
  consumers: 1,
  checks: true,
}

type SettingValue = number | boolean | string

/** The query parameter of each setting, its range and how it reads and writes. */
interface SettingField {
  key: keyof SessionSettings
  param: string
  describe: string
  parse(text: string, settings: SessionSettings): SettingValue | null
  format(value: SettingValue): string
}

function integer(min: number, max: (s: SessionSettings) => number) {
  return (text: string, settings: SessionSettings): number | null => {
    if (!/^[0-9]{1,6}$/.test(text)) return null
    const n = Number(text)
    return n >= min && n <= max(settings) ? n : null
  }
}

const boolean = (text: string): boolean | null => (text === '1' || text === 'true' ? true : text === '0' || text === 'false' ? false : null)
const formatBoolean = (value: SettingValue) => (value ? '1' : '0')

// Order matters: later fields' ranges depend on earlier ones (replication factor <= brokers).
const FIELDS: SettingField[] = [
  { key: 'brokers', param: 'brokers', describe: `an integer from 1 to ${MAX_BROKERS}`, parse: integer(1, () => MAX_BROKERS), format: String },
  { key: 'partitions', param: 'partitions', describe: `an integer from 1 to ${MAX_PARTITIONS}`, parse: integer(1, () => MAX_PARTITIONS), format: String },
  { key: 'replicationFactor', param: 'rf', describe: 'an integer from 1 to the number of brokers', parse: integer(1, (s) => s.brokers), format: String },
  { key: 'minInsyncReplicas', param: 'minisr', describe: 'an integer from 1 to the replication factor', parse: integer(1, (s) => s.replicationFactor), format: String },
  { key: 'uncleanElection', param: 'unclean', describe: '1 or 0', parse: boolean, format: formatBoolean },
  { key: 'producers', param: 'producers', describe: `an integer from 0 to ${MAX_PRODUCERS}`, parse: integer(0, () => MAX_PRODUCERS), format: String },
  {
    key: 'acks',
    param: 'acks',
    describe: '"all", "1" or "0"',
    parse: (t) => (t === 'all' || t === '-1' ? -1 : t === '1' ? 1 : t === '0' ? 0 : null),
    format: (v) => (v === -1 ? 'all' : String(v)),
  },
  { key: 'lingerMs', param: 'linger', describe: `an integer from 0 to ${MAX_LINGER_MS} (linger.ms)`, parse: integer(0, () => MAX_LINGER_MS), format: String },
  {
    key: 'keys',
    param: 'keys',
    describe: KEY_CHOICES.map((k) => `"${k}"`).join(', '),
    parse: (t) => ((KEY_CHOICES as readonly string[]).includes(t) ? (t as KeyChoice) : null),
    format: String,
  },
  { key: 'recordsPerSec', param: 'rate', describe: `an integer from 1 to ${MAX_RATE} (records per second, per producer)`, parse: integer(1, () => MAX_RATE), format: String },
  { key: 'consumers', param: 'consumers', describe: `an integer from 0 to ${MAX_CONSUMERS}`, parse: integer(0, () => MAX_CONSUMERS), format: String },
  { key: 'checks', param: 'checks', describe: '1 or 0', parse: boolean, format: formatBoolean },
]

// `worker=0` runs the engine on the page's thread (for debugging); it is not part of a session.
const KNOWN_PARAMS = new Set(['seed', 'actions', 't', 'e', 'scenario', 'worker', ...FIELDS.map((f) => f.param)])

export interface ParsedLink {
  spec: SessionSpec
  /** Where to open it, if the link says. */
  position: Position | null
  /** The library scenario the link asks to play (a well-formed name; it may not exist). */
  scenario: string | null
  /** Everything wrong with the link, in plain words; the session uses defaults for those parts. */
  errors: string[]
}

/** Shows a value from a link in an error message: quoted, and cut short if long. */
export function quote(text: string): string {
  const short = text.length > 60 ? `${text.slice(0, 57)}...` : text
  return JSON.stringify(short)
}

/** Reads a session from a query string ("?seed=42&brokers=3&actions=..."). Never throws. */
export function parseLink(search: string): ParsedLink {
  const errors: string[] = []
  let params: URLSearchParams
  try {
    params = new URLSearchParams(search.length > 100_000 ? '' : search)
    if (search.length > 100_000) errors.push(`The link is ${search.length} characters long; at most 100,000 are read. Starting a default session.`)
  } catch {
    params = new URLSearchParams('')
    errors.push('The link could not be read as a query string. Starting a default session.')
  }
  for (const key of new Set(params.keys())) {
    if (!KNOWN_PARAMS.has(key)) errors.push(`Unknown parameter ${quote(key)} in the link (ignored); known: ${[...KNOWN_PARAMS].join(', ')}.`)
    else if (params.getAll(key).length > 1) errors.push(`The parameter ${quote(key)} appears more than once; the first is used.`)
  }

  let seed = DEFAULT_SEED
  const seedText = params.get('seed')
  if (seedText !== null) {
    if (/^[0-9]{1,16}$/.test(seedText) && Number.isSafeInteger(Number(seedText))) seed = Number(seedText)
    else errors.push(`seed must be a non-negative integer; got ${quote(seedText)}. Using seed ${DEFAULT_SEED}.`)
  }

  const settings: SessionSettings = { ...DEFAULT_SETTINGS }
  for (const field of FIELDS) {
    const text = params.get(field.param)
    if (text === null) {
      // A default that no longer fits an earlier choice (rf 3 with 1 broker) follows it down.
      fitDefault(settings, field.key)
      continue
    }
    const value = field.parse(text, settings)
    if (value === null) {
      errors.push(`${field.param} must be ${field.describe}; got ${quote(text)}. Using ${field.format(fittedDefault(settings, field.key))}.`)
      fitDefault(settings, field.key)
    } else {
      ;(settings as unknown as Record<string, SettingValue>)[field.key] = value
    }
  }

  // Only a name is read here: whether the library has it is the app's question (the texts are bundled there).
  let scenario: string | null = null
  const scenarioText = params.get('scenario')
  if (scenarioText !== null) {
    if (SCENARIO_NAME.test(scenarioText)) scenario = scenarioText
    else errors.push(`scenario must be the name of a scenario in scenarios/ (lowercase letters, digits and "-", like "leader-failover-acks-all"); got ${quote(scenarioText)}. No scenario was opened.`)
  }

  const actions: RecordedAction[] = []
  const actionsText = params.get('actions')
  if (actionsText !== null && actionsText !== '') {
    const items = actionsText.split('~')
    if (items.length > MAX_ACTIONS) errors.push(`The link has ${items.length} actions; at most ${MAX_ACTIONS} are read.`)
    const limits = { brokers: settings.brokers, replicationFactor: settings.replicationFactor, maxTimeMs: MAX_TIME_MS }
    for (let i = 0; i < Math.min(items.length, MAX_ACTIONS); i++) {
      const item = items[i]!
      try {
        const recorded = actionFromText(item, limits)
        const previous = actions[actions.length - 1]
        if (previous && (recorded.afterEvents < previous.afterEvents || recorded.atMs < previous.atMs)) {
          throw new ActionSyntaxError(`it comes before the action ahead of it (${previous.atMs} ms, event ${previous.afterEvents}); actions must be in the order they were taken`)
        }
        actions.push(recorded)
      } catch (error) {
        if (!(error instanceof ActionSyntaxError)) throw error
        const dropped = items.length - i - 1
        errors.push(`Action ${i + 1} of the link, ${quote(item)}: ${error.message}. It${dropped > 0 ? ` and the ${dropped} after it were` : ' was'} left out.`)
        break
      }
    }
  }

  let position: Position | null = null
  const t = params.get('t')
  if (t !== null) {
    const timeMs = Number(t)
    if (!/^[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?$/.test(t) || !Number.isFinite(timeMs) || timeMs > MAX_TIME_MS) {
      errors.push(`t (where to open the run) must be a time from 0 to ${MAX_TIME_MS} simulated ms; got ${quote(t)}. Opening at the start.`)
    } else {
      position = { timeMs }
      const e = params.get('e')
      if (e !== null) {
        if (/^[0-9]{1,15}$/.test(e)) position.events = Number(e)
        else errors.push(`e (the event count to open at) must be a non-negative integer; got ${quote(e)}. Opening at ${timeMs} ms.`)
      }
    }
  } else if (params.get('e') !== null) {
    errors.push('e (an event count) only counts together with t (a time); it was ignored.')
  }
  return { spec: { seed, settings, actions }, position, scenario, errors }
}

function fittedDefault(settings: SessionSettings, key: keyof SessionSettings): SettingValue {
  const value = DEFAULT_SETTINGS[key]
  if (key === 'replicationFactor') return Math.min(value as number, settings.brokers)
  if (key === 'minInsyncReplicas') return Math.min(value as number, settings.replicationFactor)
  return value
}

function fitDefault(settings: SessionSettings, key: keyof SessionSettings): void {
  ;(settings as unknown as Record<string, SettingValue>)[key] = fittedDefault(settings, key)
}

/** The query string (with "?") for a session, opening at `position`, with a library scenario to play. Defaults are left out. */
export function linkFor(spec: SessionSpec, position: Position | null, scenario: string | null = null): string {
  const params: string[] = [`seed=${spec.seed}`]
  if (scenario !== null && SCENARIO_NAME.test(scenario)) params.push(`scenario=${scenario}`)
  for (const field of FIELDS) {
    const value = spec.settings[field.key]
    if (value !== DEFAULT_SETTINGS[field.key]) params.push(`${field.param}=${field.format(value)}`)
  }
  if (spec.actions.length > 0) params.push(`actions=${spec.actions.map(actionToText).join('~')}`)
  if (position) {
    params.push(`t=${position.timeMs}`)
    if (position.events !== undefined) params.push(`e=${position.events}`)
  }
  return `?${params.join('&')}`
}

/** Checks settings typed into the form; returns the problems in plain words (empty when fine). */
export function settingsProblems(settings: SessionSettings): string[] {
  const problems: string[] = []
  const probe: SessionSettings = { ...DEFAULT_SETTINGS }
  for (const field of FIELDS) {
    const value = settings[field.key]
    const parsed = field.parse(field.format(value), { ...probe })
    if (parsed === null || parsed !== value) problems.push(`${field.param} must be ${field.describe}; got ${String(value)}.`)
    else (probe as unknown as Record<string, SettingValue>)[field.key] = value
  }
  return problems
}
