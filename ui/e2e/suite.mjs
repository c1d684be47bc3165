// @ts-check
/**
 * The browser end-to-end suite. Every test drives the real UI, served by the real sidecar, in
 * Debian's Chromium; nothing is faked. Tests whose backend has not landed yet are skipped with
 * the missing endpoint named.
 */
import { App, Settings, Wizard } from './pages/app.mjs'
import { expect, runAll, test } from './harness.mjs'
import { Sidecar } from './sidecar.mjs'

const env = (k) => {
  const v = process.env[k]
  if (!v) throw new Error(`${k} is not set; run ui/e2e/run.sh`)
  return v
}

const sidecar = new Sidecar({ bin: env('E2E_BIN'), uiDir: env('E2E_UI_DIR') })
await sidecar.start()

/** Signs a fresh browser context in through a one-time login link, as a user would. */
async function open(page) {
  const link = await sidecar.api('POST', '/api/v1/session/login-url')
  await page.goto(sidecar.url + link.body.path)
  await page.waitForSelector('#root > *')
}

/** Marks the first-launch wizard done, for tests about other screens. */
async function finishWizard(page) {
  await sidecar.api('PUT', '/api/v1/settings/ui.wizard', { value: { step: 'database', finished: true, skipped: [] } })
  await page.goto(sidecar.url + '/#/settings/general')
  await page.waitForSelector('.shell')
}

const needsPath = (prefix) => async () => ((await sidecar.hasPath(prefix)) ? null : `the sidecar has no ${prefix} yet`)

test('first launch on an empty home shows the wizard, and skipping every step is remembered', async ({ page, shot }) => {
  const w = new Wizard(page)
  await page.waitForURL(/#\/welcome/)
  await w.heading().filter({ hasText: 'Connect a cluster' }).waitFor()
  await shot('connect')
  await w.skip()
  await w.heading().filter({ hasText: 'Safety' }).waitFor()
  for (const level of ['Level 1: Review before apply', 'Level 2: Auto-apply safe operations', 'Level 3: Full autonomy']) {
    await page.getByText(level).waitFor()
  }
  await shot('safety')
  await w.skip()
  await w.heading().filter({ hasText: 'AI provider' }).waitFor()
  await shot('ai')
  await w.skip()
  await w.heading().filter({ hasText: 'Database' }).waitFor()
  await shot('database')
  await w.skip()
  await page.waitForURL((u) => !u.hash.startsWith('#/welcome'))
  const stored = await sidecar.api('GET', '/api/v1/settings/ui.wizard')
  await expect(stored.body?.value?.finished === true, `wizard progress stored as finished: ${JSON.stringify(stored.body)}`)
  await page.reload()
  await page.waitForSelector('.shell')
  await expect(!page.url().includes('#/welcome'), 'the wizard does not come back after a reload')
  await shot('after-wizard')
})

test('the theme is stored in the sidecar and survives a reload', async ({ page, shot }) => {
  const app = new App(page)
  const s = new Settings(page)
  await finishWizard(page)
  await s.chooseTheme('Dark')
  await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark')
  await shot('dark')
  const stored = await sidecar.api('GET', '/api/v1/settings/ui.theme')
  await expect(stored.body?.value === 'dark', `setting ui.theme is "dark": ${JSON.stringify(stored.body)}`)
  await page.reload()
  await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark')
  await s.open('general')
  await s.chooseTheme('Light')
  await page.waitForFunction(() => document.documentElement.dataset.theme === 'light')
  await expect((await app.theme()) === 'light', 'back to light')
  await shot('light')
})

test('About shows the version and a health check of every dependency', async ({ page, shot }) => {
  const s = new Settings(page)
  await finishWizard(page)
  await s.open('about')
  const version = (await sidecar.api('GET', '/api/v1/version')).body.version
  await page.getByTestId('version').filter({ hasText: version }).waitFor()
  await s.healthRow('Database').filter({ hasText: 'healthy' }).waitFor()
  for (const dep of ['Kubernetes API', 'AI service', 'Redis cache']) await s.healthRow(dep).waitFor()
  await page.getByRole('button', { name: 'Run health check' }).click()
  await shot('health')
})

test('the command palette opens with Ctrl+K and reaches pages by keyboard', async ({ page, shot }) => {
  const app = new App(page)
  await finishWizard(page)
  const palette = await app.openPalette()
  await palette.waitFor()
  await page.keyboard.type('health')
  await shot('palette')
  await page.keyboard.press('Enter')
  await page.waitForURL(/#\/settings\/about/)
  await page.getByTestId('health-table').waitFor()
})

test('a kubeconfig with a syntax error is refused with the line it is on', async ({ page, shot }) => {
  const s = new Settings(page)
  await finishWizard(page)
  await s.open('contexts')
  await page.getByLabel('Kubeconfig YAML').fill('apiVersion: v1\nkind: Config\nclusters:\n  - name: a\n    cluster: [unclosed\n')
  await page.getByRole('button', { name: 'Import' }).click()
  await page.getByRole('alert').filter({ hasText: /line/i }).waitFor()
  await shot('import-error')
}, needsPath('/api/v1/clusters'))

test('the wizard on an empty home picks the sandbox and opens its overview', async ({ page, shot }) => {
  await sidecar.api('PUT', '/api/v1/settings/ui.wizard', { value: { step: 'connect', finished: false, skipped: [] } })
  await page.goto(sidecar.url + '/#/welcome/connect')
  const w = new Wizard(page)
  await shot('offer')
  await w.trySandbox()
  await w.heading().filter({ hasText: 'Safety' }).waitFor({ timeout: 30_000 })
  for (let i = 0; i < 3; i++) await w.next()
  await page.waitForURL(/#\/c\/[^/]+\/overview/)
  await shot('overview')
}, needsPath('/api/v1/sandbox'))

// Last: it stops the sidecar.
test('a banner says when the sidecar is unreachable and goes away when it is back', async ({ page, shot }) => {
  const app = new App(page)
  await finishWizard(page)
  await expect(!(await app.banner().isVisible()), 'no banner while connected')
  const port = sidecar.port
  await sidecar.stop()
  await app.banner().waitFor({ timeout: 45_000 })
  await expect((await app.banner().textContent())?.includes('Cannot reach the Kubilitics backend'), 'the banner says what is wrong')
  await shot('unreachable')
  const again = new Sidecar({ bin: env('E2E_BIN'), uiDir: env('E2E_UI_DIR'), home: sidecar.home, port })
  await again.start()
  try {
    await app.banner().waitFor({ state: 'detached', timeout: 30_000 })
    await shot('reconnected')
  } finally {
    await again.stop()
  }
})

let ok = false
try {
  ok = await runAll({ artifacts: env('E2E_ARTIFACTS'), open, only: process.env.E2E_ONLY })
} finally {
  await sidecar.stop()
}
process.exit(ok ? 0 : 1)
