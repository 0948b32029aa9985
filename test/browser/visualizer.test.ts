// The visualizer, end to end, in headless Chromium against the built site: load, play,
// crash the leader of a partition by clicking, watch the leadership move and the ISR
// shrink, restart the broker and watch it rejoin, scrub back to the earlier state, and
// open a shared link that replays the identical run. Screenshots go to test-results/.

import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Engine } from '../../web/engine/engine.ts'
import { runTo } from '../../web/engine/run.ts'
import { DEFAULT_SETTINGS, linkFor, parseLink } from '../../web/engine/spec.ts'
import { openApp, partitionRow, pause, play, position, screenshot, setSpeed, startSite, until, waitReady, type Site } from './site.ts'

let site: Site

beforeAll(async () => {
  site = await startSite()
})

afterAll(async () => {
  await site?.close()
})

async function simTimeMs(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { kafkasim: { frame: { position: { timeMs: number } } } }).kafkasim.frame.position.timeMs)
}

describe('the visualizer in Chromium', () => {
  let page: Page
  let errors: string[]
  let crashed = 0
  let crashedAtMs = 0

  it('loads the cluster and plays it', async () => {
    ;({ page, errors } = await openApp(site, '?seed=42'))
    expect(await page.getByTestId('broker-1').isVisible()).toBe(true)
    expect(await page.getByTestId('seed').textContent()).toBe('42')
    const start = await position(page)
    await setSpeed(page, 10)
    await play(page)
    await until(async () => (await simTimeMs(page)) > 8000, 'the run to reach 8 s')
    await pause(page)
    const now = await position(page)
    expect(now.events).toBeGreaterThan(start.events)
    expect(now.hash).not.toBe(start.hash)
    await screenshot(page, 'visualizer-1-playing')
    expect(errors).toEqual([])
  })

  it('crashing the leader of a partition by clicking moves the leadership and shrinks the ISR', async () => {
    const before = await partitionRow(page, 0)
    expect(before.isr).toHaveLength(3)
    crashed = Number(before.leader)
    crashedAtMs = await simTimeMs(page)
    await page.getByRole('button', { name: `Broker ${crashed} actions` }).click()
    // Only legal actions are offered: a running broker can be crashed, not restarted.
    expect(await page.getByRole('button', { name: `Restart broker ${crashed}` }).count()).toBe(0)
    await page.getByRole('button', { name: `Crash broker ${crashed}`, exact: true }).click()
    await expect.poll(() => page.getByTestId(`broker-${crashed}-state`).textContent()).toBe('crashed')
    expect(await page.getByTestId(`replica-orders-0-${crashed}`).getAttribute('data-role')).toBe('offline')
    await setSpeed(page, 100)
    await play(page)
    await until(async () => {
      const row = await partitionRow(page, 0)
      return row.leader !== String(crashed) && row.leader !== 'none' && !row.isr.includes(crashed)
    }, 'a new leader and an ISR without the crashed broker')
    await pause(page)
    const after = await partitionRow(page, 0)
    expect(after.leader).not.toBe(String(crashed))
    expect(after.isr).toHaveLength(2)
    expect(after.isr).not.toContain(crashed)
    expect(await page.getByTestId(`replica-orders-0-${after.leader}`).getAttribute('data-role')).toBe('leader')
    await screenshot(page, 'visualizer-2-leader-crashed')
    expect(errors).toEqual([])
  })

  it('restarting the broker brings it back into the ISR', async () => {
    await page.getByRole('button', { name: `Broker ${crashed} actions` }).click()
    expect(await page.getByRole('button', { name: `Crash broker ${crashed}`, exact: true }).count()).toBe(0)
    await page.getByRole('button', { name: `Restart broker ${crashed}` }).click()
    await play(page)
    await until(async () => (await partitionRow(page, 0)).isr.includes(crashed), 'the restarted broker to rejoin the ISR')
    await pause(page)
    const row = await partitionRow(page, 0)
    expect(row.isr).toHaveLength(3)
    expect(await page.getByTestId(`broker-${crashed}-state`).textContent()).toBe('alive')
    expect(await page.getByTestId(`replica-orders-0-${crashed}`).getAttribute('data-role')).toBe('in-sync')
    await screenshot(page, 'visualizer-3-rejoined')
    expect(errors).toEqual([])
  })

  it('scrubbing back shows the state before the crash', async () => {
    const head = await position(page)
    await page.getByLabel('Simulated time').fill(String(crashedAtMs - 500))
    await waitReady(page)
    const earlier = await position(page)
    expect(earlier.events).toBeLessThan(head.events)
    const row = await partitionRow(page, 0)
    expect(row.leader).toBe(String(crashed))
    expect(row.isr).toHaveLength(3)
    expect(await page.getByTestId(`broker-${crashed}-state`).textContent()).toBe('alive')
    await screenshot(page, 'visualizer-4-scrubbed-back')
    // And forward again to where we were: the same run, to the event.
    await page.getByLabel('Simulated time').fill(String(await page.getByLabel('Simulated time').getAttribute('max')))
    await waitReady(page)
    expect((await position(page)).hash).toBe(head.hash)
    expect(errors).toEqual([])
  })

  it('a shared link opens the identical run, in Chromium and in Node', async () => {
    await page.getByRole('button', { name: 'Share' }).click()
    const link = await page.getByTestId('share-link').inputValue()
    expect(link).toContain('actions=')
    const here = await position(page)
    const other = await openApp(site, link.slice(link.indexOf('?')))
    const there = await position(other.page)
    expect(there).toEqual(here)
    expect(await partitionRow(other.page, 0)).toEqual(await partitionRow(page, 0))
    await screenshot(other.page, 'visualizer-5-shared-link')
    const parsed = parseLink(link.slice(link.indexOf('?')))
    expect(parsed.errors).toEqual([])
    const run = runTo(parsed.spec, { events: parsed.position!.events!, timeMs: Infinity })
    expect(run.cluster.trace.hash()).toBe(here.hash)
    expect(other.errors).toEqual([])
    await other.page.close()
  })

  it('steps with the keyboard: right arrow one event on, left arrow one back, space plays and pauses', async () => {
    await page.getByRole('button', { name: 'Share' }).click() // close the share box
    await page.locator('body').click({ position: { x: 5, y: 700 } })
    const start = await position(page)
    await page.keyboard.press('ArrowRight')
    await expect.poll(async () => (await position(page)).events).toBe(start.events + 1)
    await page.keyboard.press('ArrowRight')
    await expect.poll(async () => (await position(page)).events).toBe(start.events + 2)
    await page.keyboard.press('ArrowLeft')
    await waitReady(page)
    await expect.poll(async () => (await position(page)).events).toBe(start.events + 1)
    await page.keyboard.press(' ')
    await expect.poll(() => page.getByRole('button', { name: 'Pause', exact: true }).count()).toBe(1)
    await page.keyboard.press(' ')
    await expect.poll(() => page.getByRole('button', { name: 'Play', exact: true }).count()).toBe(1)
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('anomaly alerts in Chromium', () => {
  it('pauses on a lost acknowledged write and highlights what led there', async () => {
    // acks=1; both followers of orders-0 paused, its leader crashed, the followers resumed:
    // a follower becomes leader without the records the old one acknowledged. The actions
    // are recorded with the engine in Node, where the leader and followers are read.
    const engine = new Engine({ seed: 3, settings: { ...DEFAULT_SETTINGS, minInsyncReplicas: 1, acks: 1 }, actions: [] }, { now: () => performance.now() })
    const partition = engine.advance(8000, 1e9, false).view.partitions[0]!
    const followers = partition.replicas.filter((b) => b !== partition.leader)
    for (const b of followers) engine.act({ verb: 'pause', node: b })
    engine.advance(10_000, 1e9, false)
    engine.act({ verb: 'crash', node: partition.leader })
    engine.advance(10_500, 1e9, false)
    for (const b of followers) engine.act({ verb: 'resume', node: b })
    const { page, errors } = await openApp(site, linkFor(engine.session, null))
    await setSpeed(page, 100)
    await play(page)
    await page.getByTestId('anomaly').waitFor({ timeout: 30_000 })
    await expect.poll(() => page.getByRole('button', { name: 'Play', exact: true }).count()).toBe(1)
    const text = await page.getByTestId('anomaly').textContent()
    expect(text).toContain('An acknowledged write was lost')
    expect(text).toContain('acks=1')
    expect(await page.locator('li.hl').count()).toBeGreaterThan(0)
    await screenshot(page, 'visualizer-6-anomaly')
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('history alerts in Chromium', () => {
  it("pauses when the history checker finds records reordered by retries, with its figures", async () => {
    // acks=1 turns idempotence off; the leader of orders-0 is cut off for 15 s and the
    // producer's timed-out requests are retried behind later ones (recorded in Node).
    const engine = new Engine({ seed: 2, settings: { ...DEFAULT_SETTINGS, acks: 1, minInsyncReplicas: 1, recordsPerSec: 200, lingerMs: 0, producers: 1, checks: false }, actions: [] }, { now: () => performance.now() })
    const leader = engine.advance(5000, 1e9, false).view.partitions[0]!.leader
    engine.act({ verb: 'isolate', node: leader })
    engine.advance(20_000, 1e9, false)
    engine.act({ verb: 'rejoin', node: leader })
    const { page, errors } = await openApp(site, linkFor(engine.session, null))
    await setSpeed(page, 100)
    await play(page)
    await until(async () => ((await page.getByTestId('anomaly').textContent().catch(() => '')) ?? '').includes('The history checker found: reorder'), 'the history checker to find the reorder', 60_000)
    await expect.poll(() => page.getByRole('button', { name: 'Play', exact: true }).count()).toBe(1)
    const text = (await page.getByTestId('anomaly').textContent())!
    expect(text).toMatch(/counts \d+ record\(s\) held after a record their producer sent later/)
    expect(text).toMatch(/in orders-\d/)
    expect(await page.locator('li.hl').count()).toBeGreaterThan(0)
    await screenshot(page, 'visualizer-9-history-alert')
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('live client knobs in Chromium', () => {
  it("restarts a producer with a new linger.ms and keys through core's config checks, and shows a refused value without changing anything", async () => {
    const { page, errors } = await openApp(site, '?seed=12&t=4000')
    await page.getByRole('tab', { name: 'Clients' }).click()
    const producers = page.getByTestId('producers')
    expect(await producers.locator('tbody tr').count()).toBe(2)
    // A refused value: core's parser names it, nothing is recorded or restarted.
    await page.getByLabel('linger.ms for producer-1').fill('-5')
    await page.getByLabel('linger.ms for producer-1').press('Enter')
    await expect.poll(async () => (await page.getByRole('alert').allTextContents()).join(' ')).toMatch(/linger\.ms.*-5/)
    expect(await page.evaluate(() => (window as unknown as { kafkasim: { spec: { actions: unknown[] } } }).kafkasim.spec.actions.length)).toBe(0)
    expect(await producers.locator('tbody tr').count()).toBe(2)
    // An accepted one: producer-1 stops and producer-3 takes its place with the new config.
    await page.getByLabel('linger.ms for producer-1').fill('50')
    await page.getByLabel('linger.ms for producer-1').press('Enter')
    await page.getByTestId('producer-producer-3').waitFor()
    await page.getByLabel('keys for producer-3').selectOption('skewed')
    await page.getByTestId('producer-producer-4').waitFor()
    expect(await page.getByLabel('linger.ms for producer-4').inputValue()).toBe('50')
    expect(await page.getByLabel('keys for producer-4').inputValue()).toBe('skewed')
    await page.getByRole('button', { name: 'Dismiss' }).click()
    await play(page)
    await until(async () => Number(await page.getByTestId('producer-producer-4').getByTestId('acked').textContent()) > 20, 'producer-4 to get records acknowledged')
    await pause(page)
    await screenshot(page, 'visualizer-8-clients')
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('network partitions and exports in Chromium', () => {
  it('draws a partition between two groups of brokers, shows the cut links, and heals it', async () => {
    const { page, errors } = await openApp(site, '?seed=9&t=5000')
    await page.getByRole('button', { name: 'Draw a partition' }).click()
    await page.getByRole('button', { name: 'Broker 1 actions' }).click() // group A
    await expect.poll(() => page.getByRole('button', { name: 'Cut the network between A and B' }).isDisabled()).toBe(true)
    await page.getByRole('button', { name: 'Broker 2 actions' }).click() // group A
    await page.getByRole('button', { name: 'Broker 2 actions' }).click() // then B
    await page.getByRole('button', { name: 'Broker 3 actions' }).click()
    await page.getByRole('button', { name: 'Broker 3 actions' }).click()
    await page.getByRole('button', { name: 'Cut the network between A and B' }).click()
    await waitReady(page)
    await expect.poll(() => page.locator('svg.diagram text.cut-mark', { hasText: '✕' }).count()).toBeGreaterThan(0)
    const actions = await page.evaluate(() => (window as unknown as { kafkasim: { spec: { actions: { action: { verb: string; groups?: unknown } }[] } } }).kafkasim.spec.actions)
    expect(actions.at(-1)!.action).toEqual({ verb: 'partition', groups: [[1], [2, 3]] })
    await screenshot(page, 'visualizer-7-partitioned')
    await page.getByRole('button', { name: 'Heal the network' }).click()
    await waitReady(page)
    await expect.poll(() => page.locator('svg.diagram text.cut-mark', { hasText: '✕' }).count()).toBe(0)
    expect(errors).toEqual([])
    await page.close()
  })

  it('exports the trace as JSON Lines and the message flow as SVG', async () => {
    const { page, errors } = await openApp(site, '?seed=9&t=3000')
    const events = (await position(page)).events
    await page.getByRole('button', { name: 'Export' }).click()
    const [trace] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Trace as JSON Lines' }).click()])
    const lines = readFileSync((await trace.path())!, 'utf8').trim().split('\n')
    const records = lines.map((line) => JSON.parse(line) as { seq: number; type: string })
    expect(records[0]!.seq).toBe(0)
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i))
    expect(records.filter((r) => r.type !== 'start').length).toBeGreaterThan(events)
    await page.getByRole('button', { name: 'Export' }).click()
    const [svg] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Message flow as SVG' }).click()])
    const text = readFileSync((await svg.path())!, 'utf8')
    expect(text).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    expect(text).toContain('controller')
    expect(text).not.toContain('tabindex')
    expect(errors).toEqual([])
    await page.close()
  })
})
