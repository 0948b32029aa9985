// Cross-runtime determinism: the same seed and actions give the same trace, event for
// event, in Chromium (the engine in its Web Worker) as in Node. Sessions are recorded in
// Node with the engine the page uses, then opened in the browser from their link.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Engine } from '../../web/engine/engine.ts'
import { runTo } from '../../web/engine/run.ts'
import { DEFAULT_SETTINGS, linkFor, type SessionSpec } from '../../web/engine/spec.ts'
import { openApp, position, startSite, type Site } from './site.ts'

let site: Site

beforeAll(async () => {
  site = await startSite()
})

afterAll(async () => {
  await site?.close()
})

const clock = { now: () => performance.now() }

/** Records a session in Node: faults and client changes at chosen simulated times. */
function recordSession(): SessionSpec {
  const engine = new Engine({ seed: 1234, settings: { ...DEFAULT_SETTINGS, brokers: 4, partitions: 8, producers: 2, consumers: 1, acks: 1 }, actions: [] }, clock)
  const at = (ms: number) => engine.advance(ms, 1e9, false)
  let frame = at(6000)
  const leader = frame.view.partitions[2]!.leader
  engine.act({ verb: 'partition', groups: [[leader], frame.view.brokers.map((b) => b.brokerId).filter((b) => b !== leader)] })
  at(16_000)
  engine.act({ verb: 'heal' })
  engine.act({ verb: 'add-producer', acks: -1, rate: 25, lingerMs: 10, keys: 'skewed' })
  at(20_000)
  engine.act({ verb: 'power-fail', node: 1 })
  engine.act({ verb: 'set-config', name: 'min.insync.replicas', value: 1 })
  at(27_000)
  engine.act({ verb: 'restart', node: 1 })
  engine.act({ verb: 'pause', node: 'controller' })
  at(29_000)
  frame = engine.act({ verb: 'resume', node: 'controller' })
  return engine.session
}

describe('the same session in Node and in Chromium', () => {
  it('gives the same trace hash and event count at the same moment', async () => {
    const spec = recordSession()
    for (const timeMs of [0, 12_345.5, 45_000]) {
      const expected = runTo(spec, { timeMs })
      const { page, errors } = await openApp(site, linkFor(spec, { timeMs }))
      const shown = await position(page)
      expect(shown.hash).toBe(expected.cluster.trace.hash())
      expect(shown.events).toBe(expected.position.events)
      expect(errors).toEqual([])
      await page.close()
    }
  })

  it('gives the same hash for a few seeds with no actions', async () => {
    for (const seed of [0, 7, 99]) {
      const spec: SessionSpec = { seed, settings: { ...DEFAULT_SETTINGS }, actions: [] }
      const expected = runTo(spec, { timeMs: 20_000 })
      const { page } = await openApp(site, linkFor(spec, { timeMs: 20_000 }))
      expect((await position(page)).hash).toBe(expected.cluster.trace.hash())
      await page.close()
    }
  })
})
