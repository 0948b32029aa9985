// The visualizer, end to end, in headless Chromium against the built site: load, play,
// crash the leader of a partition by clicking, watch the leadership move and the ISR
// shrink, restart the broker and watch it rejoin, scrub back to the earlier state, and
// open a shared link that replays the identical run. Screenshots go to test-results/.

import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runTo } from '../../web/engine/run.ts'
import { parseLink } from '../../web/engine/spec.ts'
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
    // a follower becomes leader without the records the old one acknowledged.
    const link = '?seed=3&minisr=1&acks=1&actions=8000@1812:pause:3~8000@1812:pause:1~10000@2043:crash:2~10500@2076:resume:3~10500@2076:resume:1'
    const { page, errors } = await openApp(site, link)
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
