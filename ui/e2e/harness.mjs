// @ts-check
/** A small sequential test runner: named tests, a screenshot per step. Nothing skips. */
import { chromium } from 'playwright-core'

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: process.env.E2E_HEADED !== '1',
    args: CHROMIUM_ARGS,
  })
}

/** @typedef {{name: string, fn: (t: {shot: (label: string) => Promise<void>, page: import('playwright-core').Page}) => Promise<void>}} Test */

/** @type {Test[]} */
const tests = []

/** Registers a test. */
export function test(name, fn) {
  tests.push({ name, fn })
}

export async function expect(cond, message) {
  if (!(await cond)) throw new Error(message)
}

/**
 * Runs every test in a fresh browser context. `open(page)` signs the page in.
 * `diagnose()` adds what the servers logged to a failure's report.
 * @param {{artifacts: string, open: (page: import('playwright-core').Page) => Promise<void>, only?: string, diagnose?: () => string[]}} o
 */
export async function runAll(o) {
  const browser = await launch()
  let passed = 0
  let failed = 0
  const failures = []
  let n = 0
  for (const t of tests) {
    if (o.only && !t.name.includes(o.only)) continue
    n += 1
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    const consoleErrors = []
    page.on('pageerror', (e) => consoleErrors.push(String(e)))
    page.setDefaultTimeout(15_000)
    const slug = `${String(n).padStart(2, '0')}-${t.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`
    let step = 0
    const shot = async (/** @type {string} */ label) => {
      step += 1
      await page.screenshot({ path: `${o.artifacts}/${slug}-${step}-${label.replace(/[^a-z0-9]+/gi, '-')}.png` })
    }
    const started = Date.now()
    try {
      await o.open(page)
      await t.fn({ page, shot })
      if (consoleErrors.length) throw new Error(`uncaught errors in the page: ${consoleErrors.join('; ')}`)
      passed += 1
      console.log(`PASS ${t.name} (${Date.now() - started} ms)`)
    } catch (e) {
      failed += 1
      failures.push(t.name)
      console.log(`FAIL ${t.name}\n  ${String(e instanceof Error ? e.stack ?? e.message : e).split('\n').slice(0, 6).join('\n  ')}`)
      await shot('failure').catch(() => {})
      const logged = o.diagnose?.() ?? []
      if (logged.length) console.log(`  the sidecars' last warnings and errors:\n    ${logged.join('\n    ')}`)
    } finally {
      await context.close()
    }
  }
  await browser.close()
  console.log(`\n${passed} passed, ${failed} failed`)
  if (failures.length) console.log(`failed: ${failures.join(', ')}`)
  return failed === 0 && passed > 0
}
