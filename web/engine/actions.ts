// What a user can do to a running cluster, as data: a closed set of verbs with their
// arguments, a compact text form for the shareable URL (parsed strictly: nothing from a
// URL is ever evaluated), the human label of each, and which of them are legal in a given
// state. Applying them is the Run's job (run.ts); the rules they trigger are core's.

export type NodeRef = number | 'controller'

export type Acks = -1 | 0 | 1

/** How a producer keys its records: no key (the sticky partitioner spreads them), uniform over KEY_COUNT keys, or skewed toward a few. */
export type KeyChoice = 'none' | 'uniform' | 'skewed'

export const KEY_CHOICES: readonly KeyChoice[] = ['none', 'uniform', 'skewed']
/** Keys drawn from (uniform or skewed). */
export const KEY_COUNT = 100
/** The skewed distribution's exponent: key i has weight 1 / (i + 1)^1.2, so a few keys carry most records. */
export const SKEW_EXPONENT = 1.2
/** The consumer group every consumer of a session joins (group.id). */
export const GROUP_ID = 'orders-readers'
/** How often each consumer's application polls (simulated ms). */
export const POLL_INTERVAL_MS = 100

export type NodeVerb = 'crash' | 'power-fail' | 'restart' | 'pause' | 'resume' | 'isolate' | 'rejoin'

export const NODE_VERBS: readonly NodeVerb[] = ['crash', 'power-fail', 'restart', 'pause', 'resume', 'isolate', 'rejoin']

/** Topic configs the UI changes live (on the session's topic). */
export type LiveConfigName = 'min.insync.replicas' | 'unclean.leader.election.enable'

export type Action =
  | { verb: NodeVerb; node: NodeRef }
  | { verb: 'partition'; groups: NodeRef[][] }
  | { verb: 'heal' }
  | { verb: 'add-producer'; acks: Acks; rate: number; lingerMs: number; keys: KeyChoice }
  | { verb: 'remove-producer'; id: string }
  /** Restarts a producer with a new config (Kafka fixes a producer's config at construction). */
  | { verb: 'set-producer'; id: string; acks: Acks; lingerMs: number; keys: KeyChoice }
  | { verb: 'add-consumer' }
  | { verb: 'remove-consumer'; id: string }
  | { verb: 'set-config'; name: LiveConfigName; value: number | boolean }

export type Verb = Action['verb']

export const VERBS: readonly Verb[] = [...NODE_VERBS, 'partition', 'heal', 'add-producer', 'remove-producer', 'set-producer', 'add-consumer', 'remove-consumer', 'set-config']

/** An action as the session records it: what, and exactly where in the run (see run.ts). */
export interface RecordedAction {
  /** Simulated ms when the action was taken. */
  atMs: number
  /** How many events the run had processed when it was taken. */
  afterEvents: number
  action: Action
}

export const MAX_RATE = 1000
/** The largest linger.ms the form and links take (Kafka takes any non-negative long; a minute is plenty here). */
export const MAX_LINGER_MS = 60_000
export const MAX_PRODUCERS = 8
export const MAX_CONSUMERS = 4

const CLIENT_ID = /^(producer|consumer)-[1-9][0-9]{0,3}$/

export function nodeName(node: NodeRef): string {
  return node === 'controller' ? 'the controller' : `broker ${node}`
}

export function acksName(acks: Acks): string {
  return acks === -1 ? 'all' : String(acks)
}

/** A one-line, human description of an action ("crash broker 2"). */
export function describeAction(action: Action): string {
  switch (action.verb) {
    case 'crash':
    case 'power-fail':
    case 'restart':
    case 'pause':
    case 'resume':
    case 'isolate':
      return `${action.verb === 'power-fail' ? 'power-fail' : action.verb} ${nodeName(action.node)}`
    case 'rejoin':
      return `reconnect ${nodeName(action.node)}`
    case 'partition':
      return `partition the network: ${action.groups.map((g) => `{${g.map((n) => (n === 'controller' ? 'controller' : String(n))).join(', ')}}`).join(' | ')}`
    case 'heal':
      return 'heal the network'
    case 'add-producer':
      return `add a producer (acks=${acksName(action.acks)}, linger.ms=${action.lingerMs}, keys ${action.keys}, ${action.rate} records/s)`
    case 'remove-producer':
      return `stop ${action.id}`
    case 'set-producer':
      return `restart ${action.id} with acks=${acksName(action.acks)}, linger.ms=${action.lingerMs}, keys ${action.keys}`
    case 'add-consumer':
      return `add a consumer to group ${GROUP_ID}`
    case 'remove-consumer':
      return `stop ${action.id}`
    case 'set-config':
      return `set ${action.name}=${String(action.value)}`
  }
}

// --- the URL's text form ------------------------------------------------------------
//
//   <atMs>@<afterEvents>:<verb>[:<arg>...]      actions joined by "~"
//   crash:2  crash:c  partition:1.2:3.c  add-producer:all:20:5:uniform (acks, rate, linger.ms, keys)
//   set-producer:producer-1:1:5:none (id, acks, linger.ms, keys)
//   set-config:min.insync.replicas:1  set-config:unclean.leader.election.enable:true

function nodeText(node: NodeRef): string {
  return node === 'controller' ? 'c' : String(node)
}

export function actionToText(recorded: RecordedAction): string {
  const a = recorded.action
  let args: string[]
  switch (a.verb) {
    case 'partition':
      args = a.groups.map((g) => g.map(nodeText).join('.'))
      break
    case 'heal':
    case 'add-consumer':
      args = []
      break
    case 'add-producer':
      args = [acksName(a.acks), String(a.rate), String(a.lingerMs), a.keys]
      break
    case 'remove-producer':
    case 'remove-consumer':
      args = [a.id]
      break
    case 'set-producer':
      args = [a.id, acksName(a.acks), String(a.lingerMs), a.keys]
      break
    case 'set-config':
      args = [a.name, String(a.value)]
      break
    default:
      args = [nodeText(a.node)]
  }
  return [`${recorded.atMs}@${recorded.afterEvents}`, a.verb, ...args].join(':')
}

/** Limits a parser checks positions against. */
export interface ActionLimits {
  brokers: number
  replicationFactor: number
  maxTimeMs: number
}

export class ActionSyntaxError extends Error {}

function fail(message: string): never {
  throw new ActionSyntaxError(message)
}

function parseNode(text: string | undefined, limits: ActionLimits): NodeRef {
  if (text === 'c') return 'controller'
  if (text === undefined || !/^[1-9][0-9]?$/.test(text)) fail(`expected a broker id (1 to ${limits.brokers}) or "c" for the controller, got ${JSON.stringify(text ?? '')}`)
  const id = Number(text)
  if (id > limits.brokers) fail(`broker ${id} does not exist (brokers are 1 to ${limits.brokers})`)
  return id
}

function parseAcks(text: string | undefined): Acks {
  if (text === 'all' || text === '-1') return -1
  if (text === '1') return 1
  if (text === '0') return 0
  return fail(`expected acks "all", "1" or "0", got ${JSON.stringify(text ?? '')}`)
}

function parseLingerMs(text: string | undefined): number {
  if (text === undefined || !/^[0-9]{1,6}$/.test(text) || Number(text) > MAX_LINGER_MS) fail(`expected linger.ms from 0 to ${MAX_LINGER_MS}, got ${JSON.stringify(text ?? '')}`)
  return Number(text)
}

function parseKeys(text: string | undefined): KeyChoice {
  if (!(KEY_CHOICES as readonly string[]).includes(text ?? '')) fail(`expected keys ${KEY_CHOICES.join(', ')}, got ${JSON.stringify(text ?? '')}`)
  return text as KeyChoice
}

function parseClientId(text: string | undefined, kind: 'producer' | 'consumer'): string {
  if (text === undefined || !CLIENT_ID.test(text) || !text.startsWith(kind)) fail(`expected a ${kind} id like "${kind}-1", got ${JSON.stringify(text ?? '')}`)
  return text
}

function expectArgs(args: string[], count: number, verb: string): void {
  if (args.length !== count) fail(`"${verb}" takes ${count} argument${count === 1 ? '' : 's'}, got ${args.length}`)
}

/** Parses one action's text; throws ActionSyntaxError naming what is wrong. */
export function actionFromText(text: string, limits: ActionLimits): RecordedAction {
  if (text.length > 200) fail('longer than 200 characters')
  const match = /^([0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)@([0-9]+):([a-z-]+)((?::[A-Za-z0-9.\-]*)*)$/.exec(text)
  if (!match) fail('expected <time ms>@<events>:<verb>[:<argument>...]')
  const atMs = Number(match[1])
  if (!Number.isFinite(atMs) || atMs > limits.maxTimeMs) fail(`time ${match[1]} ms is beyond the ${limits.maxTimeMs} ms a session may last`)
  const afterEvents = Number(match[2])
  if (!Number.isSafeInteger(afterEvents)) fail(`event count ${match[2]} is not a safe integer`)
  const verb = match[3]!
  const args = match[4] ? match[4].slice(1).split(':') : []
  if (!(VERBS as readonly string[]).includes(verb)) fail(`unknown action "${verb}"; expected one of ${VERBS.join(', ')}`)
  let action: Action
  switch (verb as Verb) {
    case 'partition': {
      if (args.length < 2) fail('"partition" takes at least two groups of nodes, like 1.2:3')
      const seen = new Set<string>()
      const groups = args.map((group) => {
        if (group === '') fail('a partition group is empty')
        return group.split('.').map((n) => {
          const node = parseNode(n, limits)
          if (seen.has(String(node))) fail(`${nodeName(node)} is in two groups`)
          seen.add(String(node))
          return node
        })
      })
      action = { verb: 'partition', groups }
      break
    }
    case 'heal':
      expectArgs(args, 0, verb)
      action = { verb: 'heal' }
      break
    case 'add-consumer':
      expectArgs(args, 0, verb)
      action = { verb: 'add-consumer' }
      break
    case 'add-producer': {
      expectArgs(args, 4, verb)
      const rate = Number(args[1])
      if (!/^[1-9][0-9]*$/.test(args[1]!) || rate > MAX_RATE) fail(`expected a rate from 1 to ${MAX_RATE} records/s, got ${JSON.stringify(args[1])}`)
      action = { verb: 'add-producer', acks: parseAcks(args[0]), rate, lingerMs: parseLingerMs(args[2]), keys: parseKeys(args[3]) }
      break
    }
    case 'remove-producer':
      expectArgs(args, 1, verb)
      action = { verb: 'remove-producer', id: parseClientId(args[0], 'producer') }
      break
    case 'remove-consumer':
      expectArgs(args, 1, verb)
      action = { verb: 'remove-consumer', id: parseClientId(args[0], 'consumer') }
      break
    case 'set-producer':
      expectArgs(args, 4, verb)
      action = { verb: 'set-producer', id: parseClientId(args[0], 'producer'), acks: parseAcks(args[1]), lingerMs: parseLingerMs(args[2]), keys: parseKeys(args[3]) }
      break
    case 'set-config': {
      expectArgs(args, 2, verb)
      if (args[0] === 'min.insync.replicas') {
        const value = Number(args[1])
        if (!/^[1-9]$/.test(args[1]!) || value > limits.replicationFactor) fail(`min.insync.replicas must be 1 to ${limits.replicationFactor} (the replication factor), got ${JSON.stringify(args[1])}`)
        action = { verb: 'set-config', name: 'min.insync.replicas', value }
      } else if (args[0] === 'unclean.leader.election.enable') {
        if (args[1] !== 'true' && args[1] !== 'false') fail(`unclean.leader.election.enable must be true or false, got ${JSON.stringify(args[1])}`)
        action = { verb: 'set-config', name: 'unclean.leader.election.enable', value: args[1] === 'true' }
      } else {
        fail(`the config ${JSON.stringify(args[0] ?? '')} cannot be changed here; expected min.insync.replicas or unclean.leader.election.enable`)
      }
      break
    }
    default:
      expectArgs(args, 1, verb)
      action = { verb: verb as NodeVerb, node: parseNode(args[0], limits) }
  }
  return { atMs, afterEvents, action }
}

// --- legality -------------------------------------------------------------------------

/** A node's state, as the simulation reports it (not a Kafka rule: what the process is doing). */
export interface NodeState {
  process: 'up' | 'paused' | 'crashed'
  isolated: boolean
}

/** The node verbs that make sense for a node in this state. */
export function legalNodeVerbs(state: NodeState): NodeVerb[] {
  const verbs: NodeVerb[] = []
  if (state.process === 'up' || state.process === 'paused') verbs.push('crash', 'power-fail')
  if (state.process === 'crashed') verbs.push('restart')
  if (state.process === 'up') verbs.push('pause')
  if (state.process === 'paused') verbs.push('resume')
  verbs.push(state.isolated ? 'rejoin' : 'isolate')
  return verbs
}

/** Why a partition of the network into these groups is not possible, or null if it is. */
export function partitionProblem(groups: readonly (readonly NodeRef[])[]): string | null {
  const nonEmpty = groups.filter((g) => g.length > 0)
  if (nonEmpty.length < 2) return 'put nodes in at least two groups'
  const seen = new Set<string>()
  for (const g of nonEmpty) {
    for (const n of g) {
      if (seen.has(String(n))) return `${nodeName(n)} is in two groups`
      seen.add(String(n))
    }
  }
  return null
}
