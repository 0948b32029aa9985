// The lesson format as a schema, built from the scenario's (sim/scenario/schema.ts) with the
// same kit (schema-kit.ts): the stage (cluster, topics, clients, timeline) is the scenario's
// own fields, a scripted answer is a scenario action, and only the narration is new.

import type { Field, ObjectNode, SchemaNode } from '../scenario/schema-kit.ts'
import { ACTIONS, SCENARIO_SCHEMA } from '../scenario/schema.ts'
import { MAX_EXPRESSION_CHARS } from './expression.ts'

const MAX_STEPS = 20
const MAX_ANSWER_STEPS = 20
const MAX_MARKDOWN_CHARS = 5000

const field = (schema: SchemaNode, required = false): Field => (required ? { schema, required } : { schema })
const markdown = (description: string): SchemaNode => ({ kind: 'string', maxLength: MAX_MARKDOWN_CHARS, description, expected: 'Markdown text' })
const expression = (description: string): SchemaNode => ({ kind: 'string', maxLength: MAX_EXPRESSION_CHARS, description, expected: 'an expression like "lostWrites > 0"' })
const duration = (description: string): SchemaNode => ({ kind: 'duration', maxMs: 3_600_000, description })

/** The scenario's own definition of a field (cluster, topics, a timeline step's "as"), reused as it is. */
function scenarioField(name: string, required = false): Field {
  const found = SCENARIO_SCHEMA.fields[name]
  if (!found) throw new Error(`the scenario schema has no field ${name}`)
  return field(found.schema, required)
}
const timelineStep = (SCENARIO_SCHEMA.fields.timeline!.schema as Extract<SchemaNode, { kind: 'array' }>).items as ObjectNode

/** A YAML lesson cannot hold a function: the TypeScript-only `run` action is left out. */
const answerActions = Object.keys(ACTIONS).filter((key) => key !== 'run')

const answerStep: ObjectNode = {
  kind: 'object',
  what: 'a scripted answer',
  description: 'What a headless run does in the learner\'s place: a scenario action, "after" this long into the step.',
  fields: {
    after: field(duration('How long into the step (default at once).')),
    ...Object.fromEntries(answerActions.map((key) => [key, field(ACTIONS[key]!)])),
    as: { schema: timelineStep.fields.as!.schema },
    label: { schema: timelineStep.fields.label!.schema },
    expectError: { schema: timelineStep.fields.expectError!.schema },
  },
  exactlyOne: [{ keys: answerActions, what: 'what the answer does' }],
}

const taskFields = {
  check: field(expression('True once the learner has done it.'), true),
  answer: field({ kind: 'array', items: answerStep, minItems: 1, maxItems: MAX_ANSWER_STEPS }, true),
  within: field(duration('How long the check may take from the step\'s start (default 60s).')),
  hint: field(markdown('Shown when the learner takes a while.')),
}

const step: ObjectNode = {
  kind: 'object',
  what: 'a lesson step',
  fields: {
    title: field({ kind: 'string', maxLength: 120, description: 'The step\'s heading.' }, true),
    text: field(markdown('Shown when the step starts; may quote figures: {{leader(\'orders\', 0)}}.')),
    action: field({ kind: 'object', what: 'a learner action', fields: { ask: field(markdown('What to do.'), true), ...taskFields } }),
    challenge: field({ kind: 'object', what: 'a challenge', fields: { goal: field(markdown('The outcome to reach, with any actions.'), true), ...taskFields } }),
    until: field(expression('After the action: run until this holds.')),
    within: field(duration('The bound on "until" (default 60s).')),
    runFor: field(duration('After the action: run this long.')),
    explain: field(markdown('Rendered when the step ends, quoting the run\'s figures: {{lostWrites}}.')),
  },
}

export const LESSON_SCHEMA: ObjectNode = {
  kind: 'object',
  what: 'a lesson',
  description: 'A kafkasim lesson: a scenario (cluster, topics, clients, timeline) with narrated steps.',
  fields: {
    name: scenarioField('name', true),
    title: field({ kind: 'string', maxLength: 120, description: 'How the lessons index names it.' }, true),
    description: scenarioField('description', true),
    seed: scenarioField('seed'),
    cluster: scenarioField('cluster'),
    topics: scenarioField('topics'),
    clients: scenarioField('clients'),
    timeline: scenarioField('timeline'),
    steps: field({ kind: 'array', items: step, minItems: 1, maxItems: MAX_STEPS }, true),
  },
}
