// The consumer-groups inspector and the scenario picker, end to end in headless Chromium
// against the built site: a member added by a click joins the group and shows in the
// inspector with its partitions, the state machine lit at the group's state; a scenario
// picked from the library plays and its expectations turn green; a `?scenario=` link opens
// one; hostile scenario text (a link or a file) only ever shows an error panel as text.
// Screenshots go to test-results/.

import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { openApp, pause, play, RESULTS, screenshot, setSpeed, startSite, until, type Site } from './site.ts'

let site: Site

beforeAll(async () => {
  site = await startSite()
})

afterAll(async () => {
  await site?.close()
})

async function assigned(page: Page, client: string): Promise<number[]> {
  const row = page.getByTestId(`group-member-${client}`)
  if ((await row.count()) === 0) return []
  const text = (await row.getByTestId('assigned').textContent())!.trim()
  return text === '-' ? [] : text.split(',').map((s) => Number(s.trim()))
}

describe('the consumer-groups inspector in Chromium', () => {
  it('shows a member added by a click in the group, with its assignment, and the state machine lit at the group state', async () => {
    const { page, errors } = await openApp(site, '?seed=7&consumers=1')
    await page.getByRole('tab', { name: 'Groups' }).click()
    await setSpeed(page, 10)
    await play(page)
    await until(async () => (await assigned(page, 'consumer-1')).length === 6, 'consumer-1 to own all 6 partitions')
    await pause(page)
    expect(await page.getByTestId('group-state').textContent()).toBe('Stable')
    expect(await page.getByTestId('machine-state-Stable').getAttribute('data-current')).toBe('true')
    expect(await page.getByTestId('machine-state-Empty').getAttribute('data-current')).toBe('false')
    const generation = Number(await page.getByTestId('group-generation').textContent())

    await page.getByRole('button', { name: 'Add member' }).click()
    await play(page)
    await until(async () => (await assigned(page, 'consumer-2')).length > 0 && (await page.getByTestId('group-state').textContent()) === 'Stable', 'consumer-2 to get partitions')
    await pause(page)
    const one = await assigned(page, 'consumer-1')
    const two = await assigned(page, 'consumer-2')
    expect([...one, ...two].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5])
    expect(two.length).toBeGreaterThan(0)
    expect(Number(await page.getByTestId('group-generation').textContent())).toBeGreaterThan(generation)
    // One assignment line per partition, drawn from the members' boxes.
    expect(await page.locator('svg.lines path.link').count()).toBe(6)
    expect(await page.getByTestId('member-consumer-2').count()).toBe(1)
    expect(await page.getByTestId('group-offsets').locator('tbody tr').count()).toBe(6)
    await screenshot(page, 'groups-inspector')
    await page.getByTestId('group-machine').scrollIntoViewIfNeeded()
    await page.getByTestId('group-machine').screenshot({ path: join(RESULTS, 'groups-state-machine.png') })
    expect(errors).toEqual([])
    await page.close()
  })
})

describe('the scenario picker in Chromium', () => {
  it('plays a picked scenario and its expectations turn green', async () => {
    const { page, errors } = await openApp(site, '?seed=42')
    await page.getByRole('tab', { name: 'Scenarios' }).click()
    await page.getByLabel('Scenario', { exact: true }).selectOption('leader-failover-acks-all')
    await page.getByTestId('scenario').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('scenario').textContent()).toContain('the leader of orders-0 crashes')
    const expectations = page.getByTestId('expectation')
    const count = await expectations.count()
    expect(count).toBeGreaterThan(5)
    // At first, undecided: the playback starts at the beginning of the run.
    expect(await page.locator('[data-testid="expectation"][data-state="pending"]').count()).toBe(count)
    await screenshot(page, 'scenario-playing')
    await page.getByLabel('Scenario speed').selectOption('100')
    await until(async () => (await page.locator('[data-testid="expectation"][data-state="passed"]').count()) === count, 'every expectation to turn green', 30_000)
    expect(await page.getByTestId('scenario-verdict').textContent()).toContain('Every expectation held')
    expect(await page.getByTestId('scenario-timeline').locator('li').count()).toBeGreaterThan(5)
    await screenshot(page, 'scenario-passed')
    await page.getByTestId('scenario-expectations').screenshot({ path: join(RESULTS, 'scenario-expectations.png') })
    // The address now names the scenario, so the page's link opens it again.
    expect(new URL(page.url()).searchParams.get('scenario')).toBe('leader-failover-acks-all')
    expect(errors).toEqual([])
    await page.close()
  })

  it('opens a scenario from a ?scenario= link, and names an unknown one in an error panel', async () => {
    const opened = await openApp(site, '?scenario=keys-keep-order')
    await opened.page.getByTestId('scenario').waitFor({ timeout: 60_000 })
    expect(await opened.page.getByTestId('scenario').getAttribute('data-name')).toBe('keys-keep-order')
    await opened.page.close()

    const unknown = await openApp(site, '?scenario=no-such-scenario')
    const panel = unknown.page.getByTestId('scenario-error')
    await panel.waitFor()
    expect(await panel.textContent()).toContain('There is no scenario "no-such-scenario" in the library')
    expect(unknown.errors).toEqual([])
    await unknown.page.close()
  })

  it('shows hostile scenario text from a file as text in an error panel, runs none of it, and stays usable', async () => {
    const { page, errors } = await openApp(site, '?seed=42')
    await page.getByRole('tab', { name: 'Scenarios' }).click()
    const hostile = [
      'name: <img src=x onerror="window.__pwned=1">',
      'description: <script>window.__pwned=2</script>',
      'duration: "<svg onload=window.__pwned=3>"',
      'timeline: !!js/function "function () { window.__pwned = 4 }"',
    ].join('\n')
    await page.getByLabel('Scenario file').setInputFiles({ name: 'evil<b>.yaml', mimeType: 'text/yaml', buffer: Buffer.from(hostile) })
    const panel = page.getByTestId('scenario-error')
    await panel.waitFor({ timeout: 30_000 })
    const text = (await panel.textContent())!
    expect(text).toContain('evil<b>.yaml')
    expect(text).toMatch(/duration|timeline|name/)
    expect(await panel.locator('img, script, svg, b').count()).toBe(0)
    expect(await page.locator('img[src="x"], svg[onload]').count()).toBe(0)
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()
    await screenshot(page, 'scenario-hostile-file')
    // Still usable: a library scenario runs after it.
    await page.getByLabel('Scenario', { exact: true }).selectOption('min-insync-rejects-writes')
    await page.getByTestId('scenario').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('scenario-error').count()).toBe(0)
    expect(errors).toEqual([])
    await page.close()
  })

  it('stops a scenario that would run for long, and runs the next one', async () => {
    const { page, errors } = await openApp(site, '?seed=42')
    await page.getByRole('tab', { name: 'Scenarios' }).click()
    const long = [
      'name: a-long-day',
      'description: A day of simulated time at a thousand records a second.',
      'duration: 24h',
      'topics:',
      '  - { name: orders, partitions: 3, replicationFactor: 3 }',
      'clients:',
      '  producers:',
      '    - { id: app, topic: orders, rate: 1000 }',
    ].join('\n')
    await page.getByLabel('Scenario file').setInputFiles({ name: 'long.yaml', mimeType: 'text/yaml', buffer: Buffer.from(long) })
    const status = page.getByRole('status').filter({ hasText: 'Running the scenario' })
    await status.waitFor()
    await status.getByRole('button', { name: 'Stop' }).click()
    await status.waitFor({ state: 'detached' })
    expect(await page.getByTestId('scenario').count()).toBe(0)
    await page.getByLabel('Scenario', { exact: true }).selectOption('preferred-leader-election')
    await page.getByTestId('scenario').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('scenario').getAttribute('data-name')).toBe('preferred-leader-election')
    expect(errors).toEqual([])
    await page.close()
  })
})
