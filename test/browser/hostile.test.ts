// Bad input from a shared link: every problem is named in an error panel, as text; nothing
// from the address is run as code or inserted as markup; the app stays usable.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApp, pause, play, position, screenshot, startSite, until, type Site } from './site.ts'

let site: Site

beforeAll(async () => {
  site = await startSite()
})

afterAll(async () => {
  await site?.close()
})

const SCRIPT = '<script>window.__pwned=1</script>'
const IMG = '<img src=x onerror="window.__pwned=2">'
const SVG = '<svg onload="window.__pwned=3"></svg>'

describe('a malformed or hostile link in Chromium', () => {
  it('names every problem as text, runs none of it, and keeps the app usable', async () => {
    const query =
      `?seed=${encodeURIComponent(SCRIPT)}` +
      `&brokers=${encodeURIComponent(IMG)}` +
      `&rf=7` +
      `&actions=${encodeURIComponent(`1000@50:crash:${SVG}`)}` +
      `&scenario=${encodeURIComponent('javascript:alert(1)')}` +
      `&t=${encodeURIComponent('1e999')}` +
      `&${encodeURIComponent('<b>bold</b>')}=1`
    const { page, errors } = await openApp(site, query)
    const panel = page.getByTestId('link-errors')
    await panel.waitFor()
    const text = (await panel.textContent())!
    expect(text).toContain(`seed must be a non-negative integer; got ${JSON.stringify(SCRIPT)}`)
    expect(text).toContain('brokers must be an integer from 1 to 9')
    expect(text).toContain('rf must be an integer from 1 to the number of brokers; got "7"')
    expect(text).toContain('Action 1 of the link')
    expect(text).toContain('scenario must be the name of a scenario in scenarios/')
    expect(text).toContain('t (where to open the run) must be a time')
    expect(text).toContain('Unknown parameter "<b>bold</b>"')
    // Shown, never parsed: no element came from the payloads, and none of them ran.
    expect(await panel.locator('img, script, svg, b').count()).toBe(0)
    expect(await page.locator('img[src="x"], svg[onload]').count()).toBe(0)
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()
    // The session fell back to defaults and works.
    expect(await page.getByTestId('seed').textContent()).toBe('42')
    await screenshot(page, 'hostile-link')
    const start = await position(page)
    await play(page)
    await until(async () => (await position(page)).events > start.events + 100, 'the default session to run')
    await pause(page)
    expect(errors).toEqual([])
    await page.close()
  })

  it('keeps the valid actions before a bad one and says which were left out', async () => {
    const { page, errors } = await openApp(site, '?seed=5&actions=5000@1000:crash:2~6000@1200:explode:2~7000@1300:restart:2')
    const text = (await page.getByTestId('link-errors').textContent())!
    expect(text).toContain('Action 2 of the link, "6000@1200:explode:2": unknown action "explode"')
    expect(text).toContain('and the 1 after it were left out')
    expect(await page.evaluate(() => (window as unknown as { kafkasim: { spec: { actions: unknown[] } } }).kafkasim.spec.actions.length)).toBe(1)
    expect(errors).toEqual([])
    await page.close()
  })
})
