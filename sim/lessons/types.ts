// The lesson format, as TypeScript types. A lesson is a scenario with narration: the
// scenario's cluster, topics, clients and background timeline set the stage, and `steps`
// lead the learner through it. scenarios/lessons/README.md explains each part.

import type { Action, Duration, Scenario, Step } from '../scenario/types.ts'

/** A scripted answer: a scenario action, `after` this long into the step (default at once). */
export type AnswerStep = Action & Pick<Step, 'as' | 'label' | 'expectError'> & { after?: Duration }

/** Something the learner does, checked on the cluster state or on events. */
export interface LearnerTask {
  /** The check, in the expression language (expression.ts): true once the learner has done it. */
  check: string
  /** What a headless run (and the web app's "show me") does in the learner's place. */
  answer: AnswerStep[]
  /** How long the check may take from the step's start (default 60s); a headless run fails past it. */
  within?: Duration
  /** Markdown shown when the learner takes a while. */
  hint?: string
}

/** An instruction: do this ("crash the broker leading orders-0"). */
export interface LessonAction extends LearnerTask {
  /** Markdown: what to do. */
  ask: string
}

/** An outcome to reach with any actions the learner likes ("lose an acknowledged write"). */
export interface LessonChallenge extends LearnerTask {
  /** Markdown: the outcome. */
  goal: string
}

export interface LessonStep {
  title: string
  /** Markdown, shown when the step starts; may quote figures ({{leader('orders', 0)}}). */
  text?: string
  action?: LessonAction
  challenge?: LessonChallenge
  /** After the action (if any): let the cluster run until this check holds... */
  until?: string
  /** ...within this long (default 60s)... */
  within?: Duration
  /** ...or for this long. */
  runFor?: Duration
  /** Markdown rendered when the step ends, quoting the run's figures ({{lostWrites}}). */
  explain?: string
}

export type Lesson = Pick<Scenario, 'name' | 'description' | 'seed' | 'cluster' | 'topics' | 'clients' | 'timeline'> & {
  /** How the lessons index names it. */
  title: string
  steps: LessonStep[]
}
