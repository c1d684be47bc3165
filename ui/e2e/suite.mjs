// @ts-check
/**
 * The browser end-to-end suite. Every test drives the real UI, served by the real sidecar, in
 * Debian's Chromium; nothing is faked and nothing is skipped: a missing endpoint fails its test.
 * The cluster tests use a second sidecar serving `--sandbox` (the in-process demo cluster with
 * its planted faults); its safety policy also forbids `drain_node`, for the forbidden-action test.
 */
import { App, Settings, Wizard } from './pages/app.mjs'
import { expect, runAll, test } from './harness.mjs'
import { Sidecar } from './sidecar.mjs'
import { Detail, ResourceList } from './pages/workbench.mjs'
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'

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

// A second sidecar serving the built-in sandbox cluster, for the cluster screens.
/** The default forbidden operations plus drain_node, so a node's Drain is refused with its reason. */
const FORBIDDEN = 'delete_persistent_volume_claim,delete_secret,delete_persistent_volume,drain_node'
/** @type {Sidecar | null} */
let sandbox = null
let sandboxContext = ''
async function sandboxSidecar() {
  if (!sandbox) {
    const s = new Sidecar({ bin: env('E2E_BIN'), uiDir: env('E2E_UI_DIR'), args: ['--sandbox'], env: { AI_SAFETY_FORBIDDEN_OPERATIONS: FORBIDDEN } })
    await s.start()
    sandbox = s
    await s.api('PUT', '/api/v1/settings/ui.wizard', { value: { step: 'database', finished: true, skipped: [] } })
    const list = await s.api('GET', '/api/v1/clusters')
    sandboxContext = list.body?.current ?? list.body?.items?.[0]?.name ?? ''
    if (!sandboxContext) throw new Error(`the --sandbox sidecar lists no context: ${JSON.stringify(list.body)}`)
    // Wait until the watch cache has the pods (the first list can race the sync).
    for (let i = 0; i < 60 && (await podsOf(s)).length === 0; i++) await new Promise((r) => setTimeout(r, 500))
  }
  return sandbox
}
async function openSandbox(page) {
  const s = await sandboxSidecar()
  const link = await s.api('POST', '/api/v1/session/login-url')
  await page.goto(s.url + link.body.path)
  await page.waitForSelector('#root > *')
  return s
}
const podsOf = async (s) => (await s.api('GET', `/api/v1/clusters/${encodeURIComponent(sandboxContext)}/resources/pods`)).body?.items ?? []
/** Why each container of a pod last terminated (`Error`, `OOMKilled`, ...). */
async function lastTerminations(s, pod) {
  const obj = (await s.api('GET', `/api/v1/clusters/${encodeURIComponent(sandboxContext)}/resources/pods/${pod.namespace}/${pod.name}`)).body
  return (obj?.status?.containerStatuses ?? []).map((c) => c.lastState?.terminated?.reason).filter(Boolean)
}
/** The first crash-looping pod whose container last ended with `reason`. */
async function crashingWith(s, reason) {
  for (const p of await podsOf(s)) {
    if (/CrashLoopBackOff|Error|OOMKilled/.test(String(p.status)) && (await lastTerminations(s, p)).includes(reason)) return p
  }
  return undefined
}
/**
 * Waits for `locator` on an investigation's page; on timeout the error says how far the sidecar
 * got with it, which tells a stalled investigation from a page that missed its progress.
 */
async function onInvestigation(page, s, locator) {
  await page.waitForURL(/#\/investigations\/[^/?]+/)
  const id = decodeURIComponent(/#\/investigations\/([^/?]+)/.exec(page.url())?.[1] ?? '')
  try {
    await locator.waitFor({ timeout: 60_000 })
  } catch (e) {
    const inv = (await s.api('GET', `/api/v1/ai/investigations/${encodeURIComponent(id)}`)).body
    const steps = (inv?.steps ?? []).map((st) => `${st.at} ${st.state}: ${st.detail}`)
    const actions = (inv?.proposed_actions ?? []).map((a) => `${a.operation} ${a.decision} ${a.result ?? ''}`)
    throw new Error(`${e instanceof Error ? e.message.split('\n')[0] : e}\n  the sidecar's investigation ${id}: ${inv?.state}\n    ${[...steps, ...actions].join('\n    ')}`)
  }
}
const BAD = /(Err|BackOff|Fail|OOM|Invalid|Error|Unschedulable|Pending)/


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
})

test('the wizard on an empty home picks the sandbox and opens its overview', async ({ page, shot }) => {
  await sidecar.api('PUT', '/api/v1/settings/ui.wizard', { value: { step: 'connect', finished: false, skipped: [] } })
  await page.goto(sidecar.url + '/#/welcome/connect')
  const w = new Wizard(page)
  await page.getByTestId('try-sandbox').waitFor()
  await page.getByTestId('no-contexts').waitFor()
  await shot('offer')
  await w.trySandbox()
  await w.heading().filter({ hasText: 'Safety' }).waitFor({ timeout: 30_000 })
  // One step at a time: each step has its own Continue, so wait for the next one to show.
  for (const next of ['AI provider', 'Database']) {
    await w.next()
    await w.heading().filter({ hasText: next }).waitFor()
  }
  await w.next()
  await page.waitForURL(/#\/c\/kubilitics-sandbox\/overview/)
  await page.getByTestId('problems').waitFor({ timeout: 30_000 })
  await shot('overview')
})

test('the overview shows the planted faults', async ({ page, shot }) => {
  const s = await openSandbox(page)
  await page.goto(`${s.url}/#/c/${encodeURIComponent(sandboxContext)}/overview`)
  const problems = page.getByTestId('problems')
  await problems.waitFor({ timeout: 30_000 })
  const failing = (await podsOf(s)).filter((p) => BAD.test(String(p.status)))
  await expect(failing.length > 0, 'the sandbox has failing pods')
  for (const p of failing) await problems.getByRole('link', { name: `Pod ${p.name}` }).waitFor()
  // The insights card lists what the background scan found (GET /api/v1/ai/insights), unasked.
  await page.locator('[aria-labelledby=insights-title] li', { hasText: 'CRASHLOOP_DEPENDENCY' }).waitFor({ timeout: 60_000 })
  await shot('overview')
})

test('the pod table filters and sorts', async ({ page, shot }) => {
  const s = await openSandbox(page)
  const list = new ResourceList(page)
  await list.open(s.url, sandboxContext, 'pods')
  const pods = await podsOf(s)
  await page.getByTestId('row-count').filter({ hasText: `${pods.length} of ${pods.length}` }).waitFor()
  await shot('all')
  const target = pods.find((p) => BAD.test(String(p.status))) ?? pods[0]
  await list.filter(target.name)
  await page.waitForFunction((n) => [...document.querySelectorAll('[role=row][data-name]')].every((r) => r.getAttribute('data-name')?.includes(n)), target.name)
  await expect((await list.names()).includes(target.name), `filtering by ${target.name} keeps it`)
  await shot('filtered')
  // The filter is in the URL: a reload (or a copied link) shows the same rows.
  await page.reload()
  await list.table().waitFor()
  await expect((await page.getByTestId('text-filter').inputValue()) === target.name, 'the filter survives a reload')
  await page.waitForFunction((n) => [...document.querySelectorAll('[role=row][data-name]')].every((r) => r.getAttribute('data-name')?.includes(n)), target.name)
  await list.filter('')
  await list.sortBy('RESTARTS')
  await list.sortBy('RESTARTS')
  const most = [...pods].sort((a, b) => Number(b.restarts ?? 0) - Number(a.restarts ?? 0))[0]
  await page.waitForFunction((r) => document.querySelector('[role=row][data-name] [role=cell].c-restarts')?.textContent === String(r), most.restarts ?? 0)
  await shot('sorted-by-restarts')
})

test("a failing pod's logs show its error", async ({ page, shot }) => {
  const s = await openSandbox(page)
  // A container that exited with an error (an OOM kill leaves no error in the log).
  const crashing = await crashingWith(s, 'Error')
  await expect(crashing, 'the sandbox has a pod crash-looping with an error')
  const d = new Detail(page)
  await d.open(s.url, sandboxContext, 'pods', crashing.namespace, crashing.name)
  await d.tab('Logs')
  await page.getByLabel('Previous container').check()
  await d.logs().filter({ hasText: /error|fatal|panic|exception|refused|not found|missing/i }).waitFor({ timeout: 20_000 })
  await shot('logs')
  // Follow streams the current container's log over the WebSocket: no HTTP re-reads meanwhile.
  await page.getByLabel('Previous container').uncheck()
  const reads = []
  page.on('request', (r) => {
    if (r.url().includes('/logs')) reads.push(r.url())
  })
  await page.getByLabel('Follow').check()
  await page.getByTestId('follow-status').filter({ hasText: /^Following/ }).waitFor()
  await page.waitForFunction(() => {
    const t = document.querySelector('[data-testid=logs]')?.textContent ?? ''
    return t !== '' && !['Loading…', 'No log lines.', 'Waiting for the first line…'].includes(t)
  })
  await page.waitForTimeout(3000)
  await expect(reads.length === 0, `following read the log over HTTP instead of the stream: ${reads.join(', ')}`)
  await expect(/^Following/.test((await page.getByTestId('follow-status').textContent()) ?? ''), 'the stream is still open after 3 s')
  await shot('following')
})

test('the chat answers about the workload a question names, and runs a typed read', async ({ page, shot }) => {
  const s = await openSandbox(page)
  await page.goto(`${s.url}/#/c/${encodeURIComponent(sandboxContext)}/overview`)
  await page.getByRole('button', { name: 'Chat' }).click()
  await page.getByLabel('Message').fill('why is checkout failing?')
  await page.keyboard.press('Enter')
  const reply = page.locator('.chat-assistant')
  await reply.first().waitFor({ timeout: 60_000 })
  const text = (await reply.first().textContent()) ?? ''
  await expect(/Looked at Deployment shop\/checkout\./.test(text), `the reply names what it looked at: ${text}`)
  // No LLM in this suite: the analyzers' finding, marked as templated.
  await expect(/\bCRASHLOOP_DEPENDENCY\b/.test(text), `the reply names the root-cause code: ${text}`)
  await expect(/Templated/.test(text), `the reply says it is templated: ${text}`)
  await shot('answer')
  await page.getByLabel('Message').fill('kubectl get deployments -n shop')
  await page.keyboard.press('Enter')
  await page.waitForFunction(() => document.querySelectorAll('.chat-assistant').length === 2, null, { timeout: 30_000 })
  const table = (await reply.nth(1).textContent()) ?? ''
  await expect(/NAME/.test(table) && /checkout/.test(table) && /frontend/.test(table), `the command lists the deployments: ${table}`)
  await shot('command')
})

test('the insights list shows what the analyzers found in the sandbox, linked to the objects', async ({ page, shot }) => {
  const s = await openSandbox(page)
  // The background scan runs once the watch caches have synced.
  for (let i = 0; i < 30 && !(await s.api('GET', '/api/v1/ai/insights?state=open')).body?.total; i++) await new Promise((r) => setTimeout(r, 1000))
  await page.goto(`${s.url}/#/insights`)
  const row = page.locator('[data-testid=insights] tbody tr', { hasText: 'CRASHLOOP_DEPENDENCY' })
  await row.waitFor({ timeout: 30_000 })
  await expect((await row.getByRole('link', { name: 'Deployment shop/checkout' }).count()) === 1, 'the insight links its workload')
  await shot('open')
  // On a 1,024-pixel screen the table fits the page: no sideways scrolling to read a row.
  await page.setViewportSize({ width: 1024, height: 768 })
  const overflow = await page.evaluate(() => document.querySelector('[data-testid=insights]').getBoundingClientRect().right - document.documentElement.clientWidth)
  await expect(overflow <= 0, `the insights table ends ${overflow} px past a 1,024 px page`)
  await shot('1024px')
  await row.getByRole('link', { name: 'Deployment shop/checkout' }).click()
  await page.waitForURL(/resources\/deployments\/shop\/checkout/)
})

test('the topology keeps each namespace together, filters to one and clicks through to an object', async ({ page, shot }) => {
  const s = await openSandbox(page)
  await page.goto(`${s.url}/#/c/${encodeURIComponent(sandboxContext)}/topology`)
  const groups = page.getByTestId('topology-namespace')
  await groups.first().waitFor()
  const shown = await groups.evaluateAll((gs) => gs.map((g) => g.getAttribute('data-namespace')))
  await expect(['payments', 'shop'].every((ns) => shown.includes(ns)), `one box per namespace: ${shown}`)
  await shot('all-namespaces')
  await page.getByLabel('Namespace').selectOption('shop')
  await groups.first().waitFor({ state: 'detached' })
  const frontend = page.getByRole('link', { name: /^Deployment frontend, / })
  await frontend.waitFor()
  await expect((await page.getByRole('link', { name: /^Deployment fraud-check, / }).count()) === 0, 'another namespace is filtered out')
  await shot('shop')
  await frontend.click()
  await page.waitForURL(/resources\/deployments\/shop\/frontend/)
})

test('an investigation names its root cause', async ({ page, shot }) => {
  const s = await openSandbox(page)
  const crashing = (await podsOf(s)).find((p) => BAD.test(String(p.status)))
  const d = new Detail(page)
  await d.open(s.url, sandboxContext, 'pods', crashing.namespace, crashing.name)
  await page.getByTestId('investigate').click()
  const rc = page.getByTestId('root-cause')
  await onInvestigation(page, s, rc)
  await expect(/[A-Z_]{4,}/.test((await rc.locator('code').textContent()) ?? ''), 'the root cause carries a taxonomy code')
  await shot('root-cause')
})

test('approving the proposed fix makes the pod healthy', async ({ page, shot }) => {
  const s = await openSandbox(page)
  // The OOM-killed pod: its fix (a higher memory limit on its Deployment) is one the AI proposes
  // and the workbench can carry out.
  const failing = await crashingWith(s, 'OOMKilled')
  await expect(failing, 'the sandbox has an OOM-killed pod')
  const d = new Detail(page)
  await d.open(s.url, sandboxContext, 'pods', failing.namespace, failing.name)
  await page.getByTestId('investigate').click()
  const action = page.getByTestId('proposed-action').filter({ has: page.getByRole('button', { name: 'Approve' }) }).first()
  await onInvestigation(page, s, action)
  await shot('proposed')
  await action.getByRole('button', { name: 'Approve' }).click()
  // The fix replaces the failing pod (a new name) or heals it: wait until the workload has no failing pod.
  const prefix = failing.name.replace(/-[a-z0-9]{5}$/, '').replace(/-[a-z0-9]{8,10}$/, '')
  for (let i = 0; i < 90; i++) {
    const now = (await podsOf(s)).filter((p) => p.namespace === failing.namespace && p.name.startsWith(prefix))
    if (now.length && now.every((p) => /Running|Completed/.test(String(p.status)))) {
      await page.getByTestId('fix-result').filter({ hasText: /Applied/ }).waitFor()
      await shot('applied')
      const list = new ResourceList(page)
      await list.open(s.url, sandboxContext, 'pods')
      await list.filter(prefix)
      await page.getByTestId('resource-table').getByText('Running').first().waitFor()
      await shot('healthy')
      return
    }
    await new Promise((r) => setTimeout(r, 1000))
  }
  throw new Error(`pods of ${prefix} did not become healthy after approval`)
})

test('a forbidden action is refused with its reason', async ({ page, shot }) => {
  const s = await openSandbox(page)
  const nodes = (await s.api('GET', `/api/v1/clusters/${encodeURIComponent(sandboxContext)}/resources/nodes`)).body?.items ?? []
  const node = nodes[0]
  await expect(node, 'the sandbox has a node')
  const d = new Detail(page)
  await d.open(s.url, sandboxContext, 'nodes', null, node.name)
  const drain = page.getByRole('toolbar', { name: 'Actions' }).getByRole('button', { name: 'Drain' })
  await drain.waitFor()
  await expect(await drain.isDisabled(), 'Drain is disabled: the safety policy forbids drain_node')
  const why = (await page.locator(`#${await drain.getAttribute('aria-describedby')}`).textContent()) ?? ''
  await expect(/forbidden/.test(why) && why.includes('drain_node'), `the disabled action says why: "${why}"`)
  await shot('refused')
  // The sidecar refuses it too, whoever asks.
  const r = await s.api('POST', `/api/v1/clusters/${encodeURIComponent(sandboxContext)}/actions`, { kind: 'Node', name: node.name, action: { type: 'drain' } })
  await expect(r.body?.state === 'refused' && /forbidden/.test(r.body?.reason ?? ''), `the API refuses the drain: ${JSON.stringify(r.body)}`)
  const still = await s.api('GET', `/api/v1/clusters/${encodeURIComponent(sandboxContext)}/resources/nodes/_/${node.name}`)
  await expect(!still.body?.spec?.unschedulable, 'the node was not cordoned')
})

test('a pod deletion waits for approval and runs once approved on the Approvals page', async ({ page, shot }) => {
  const s = await openSandbox(page)
  const ctx = encodeURIComponent(sandboxContext)
  // A replica of a healthy Deployment: its ReplicaSet replaces it, so the other tests see the same shop.
  const pod = (await podsOf(s)).find((p) => p.name.startsWith('frontend-') && p.status === 'Running')
  await expect(pod, 'the sandbox runs a frontend pod')
  const podPath = `/api/v1/clusters/${ctx}/resources/pods/${pod.namespace}/${pod.name}`
  const d = new Detail(page)
  await d.open(s.url, sandboxContext, 'pods', pod.namespace, pod.name)
  page.once('dialog', (dialog) => void dialog.accept())
  await page.getByRole('toolbar', { name: 'Actions' }).getByRole('button', { name: 'Delete' }).click()
  const result = page.getByTestId('action-result')
  await result.filter({ hasText: /Waiting for approval.*delete_pod needs approval/ }).waitFor()
  await shot('waiting')
  await expect((await s.api('GET', podPath)).status === 200, 'nothing is deleted before the approval')

  await result.getByRole('link', { name: 'Review it under Approvals' }).click()
  await page.waitForURL(/#\/approvals$/)
  const badge = new App(page).nav(/^Approvals, \d+ waiting$/)
  await badge.waitFor()
  const waiting = Number(/(\d+) waiting/.exec((await badge.getAttribute('aria-label')) ?? (await badge.textContent()) ?? '')?.[1])
  await expect(waiting >= 1, `the badge counts the deletion (${waiting})`)
  const row = page.getByTestId('approval-row').filter({ hasText: pod.name })
  await row.getByText('delete_pod needs approval (ai.safety_policy.require_approval)').waitFor()
  page.once('dialog', (dialog) => void dialog.accept())
  await page.getByRole('button', { name: `Approve delete_pod on Pod ${pod.namespace}/${pod.name}` }).click()
  await page.getByTestId('approval-outcome').filter({ hasText: /Applied/ }).waitFor()
  await shot('approved')
  let status = 200
  for (let i = 0; i < 40 && status === 200; i++) {
    status = (await s.api('GET', podPath)).status
    if (status === 200) await new Promise((r) => setTimeout(r, 250))
  }
  await expect(status === 404, `the pod is deleted once approved (GET answers ${status})`)
  // One fewer waits (what other tests left waiting is theirs).
  await new App(page).nav(waiting === 1 ? 'Approvals' : `Approvals, ${waiting - 1} waiting`).waitFor()
})

test('a change another client parks for approval appears on the open Approvals page and leaves when it is rejected', async ({ page, shot }) => {
  const s = await openSandbox(page)
  const ctx = encodeURIComponent(sandboxContext)
  await new App(page).nav(/^Approvals/).click()
  await page.waitForURL(/#\/approvals$/)
  await page.getByRole('heading', { name: 'Approvals' }).waitFor()
  const pod = (await podsOf(s)).find((p) => p.name.startsWith('frontend-') && p.status === 'Running')
  await expect(pod, 'the sandbox runs a frontend pod')
  // Another client of the same sidecar (the AI, a teammate's browser): here, the API directly.
  const asked = await s.api('POST', `/api/v1/clusters/${ctx}/actions`, { kind: 'Pod', namespace: pod.namespace, name: pod.name, action: { type: 'delete_pod' } })
  await expect(asked.body?.state === 'pending_approval', `the deletion waits: ${JSON.stringify(asked.body)}`)
  // No reload and no timer: the sidecar's approvals topic tells the page (well within the wait).
  const row = page.getByTestId('approval-row').filter({ hasText: pod.name })
  await row.waitFor({ timeout: 8_000 })
  await shot('announced')
  const rejected = await s.api('POST', `/api/v1/approvals/${asked.body.approval_id}/reject`, { reason: 'kept for the other tests' })
  await expect(rejected.status === 200, `rejected: ${JSON.stringify(rejected.body)}`)
  await row.waitFor({ state: 'detached', timeout: 8_000 })
})

test('the audit log lists a refused drain and an applied scale with their decisions and targets', async ({ page, shot }) => {
  const s = await openSandbox(page)
  const ctx = encodeURIComponent(sandboxContext)
  const node = ((await s.api('GET', `/api/v1/clusters/${ctx}/resources/nodes`)).body?.items ?? [])[0]
  await expect(node, 'the sandbox has a node')
  const drain = await s.api('POST', `/api/v1/clusters/${ctx}/actions`, { kind: 'Node', name: node.name, action: { type: 'drain' } })
  await expect(drain.body?.state === 'refused', `the drain is refused: ${JSON.stringify(drain.body)}`)
  // A scale to the replicas it already has: applied and recorded with its before and after,
  // without changing what the other tests see.
  const deploys = (await s.api('GET', `/api/v1/clusters/${ctx}/resources/deployments`)).body?.items ?? []
  const dep = deploys.find((d) => d.namespace && !/^kube-/.test(d.namespace))
  await expect(dep, 'the sandbox has a Deployment outside kube-*')
  const replicas = (await s.api('GET', `/api/v1/clusters/${ctx}/resources/deployments/${dep.namespace}/${dep.name}`)).body?.spec?.replicas ?? 1
  const scale = await s.api('POST', `/api/v1/clusters/${ctx}/actions`, { kind: 'Deployment', namespace: dep.namespace, name: dep.name, action: { type: 'scale', replicas } })
  await expect(scale.body?.state === 'applied', `the scale is applied: ${JSON.stringify(scale.body)}`)
  const recorded = (await s.api('GET', '/api/v1/audit?limit=2')).body?.items ?? []
  const [scaled, refused] = recorded
  await expect(scaled?.name === dep.name && refused?.name === node.name, `the API lists both, newest first: ${JSON.stringify(recorded)}`)

  // Reached from the command palette, by keyboard.
  await page.goto(`${s.url}/#/c/${ctx}/overview`)
  await page.waitForSelector('.shell')
  const app = new App(page)
  await (await app.openPalette()).waitFor()
  await page.keyboard.type('audit')
  await page.keyboard.press('Enter')
  await page.waitForURL(/#\/audit$/)
  const row = (id) => page.locator(`[data-testid=audit-row][data-id="${id}"]`)
  await row(scaled.id).waitFor()
  await expect((await app.nav('Audit log').getAttribute('aria-current')) === 'page', 'the navigation marks the audit log')
  const ids = await page.getByTestId('audit-row').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-id'))))
  await expect(ids.indexOf(scaled.id) < ids.indexOf(refused.id), `newest first: ${ids.join(', ')}`)
  const drainRow = row(refused.id)
  await drainRow.getByText('refused', { exact: true }).waitFor()
  await drainRow.getByRole('link', { name: `Node ${node.name}` }).waitFor()
  await drainRow.getByText(refused.operation, { exact: true }).waitFor()
  await drainRow.getByText(/forbidden/).first().waitFor()
  await expect(refused.request_id && (await drainRow.getByText(refused.request_id).count()) === 1, `the drain's request id ${refused.request_id} is shown`)
  const scaleRow = row(scaled.id)
  await scaleRow.getByText('allowed', { exact: true }).waitFor()
  await scaleRow.getByRole('link', { name: `Deployment ${dep.namespace}/${dep.name}` }).waitFor()
  await scaleRow.getByText(/^applied/).waitFor()
  await shot('listed')
  // Before and after of the applied scale, in an expanded row.
  await scaleRow.getByRole('button', { name: `Show details of record ${scaled.id}` }).press('Enter')
  const details = page.getByTestId('audit-details')
  await details.getByRole('region', { name: 'Before' }).waitFor()
  await details.getByRole('region', { name: 'After' }).filter({ hasText: String(replicas) }).waitFor()
  await shot('before-after')
  // Only refused actions, on that node.
  await page.getByLabel('Decision').selectOption('refused')
  await page.getByLabel('Filter', { exact: true }).fill(node.name)
  await drainRow.waitFor()
  await scaleRow.waitFor({ state: 'detached' })
  await page.getByTestId('audit-count').filter({ hasText: /match$/ }).waitFor()
  await shot('refused-only')
})

test('the YAML editor applies a change that kubectl then sees', async ({ page, shot }) => {
  const s = await openSandbox(page)
  const base = `/api/v1/clusters/${encodeURIComponent(sandboxContext)}/resources/configmaps`
  const cm = ((await s.api('GET', base)).body?.items ?? []).find((c) => c.namespace && c.namespace !== 'kube-system')
  await expect(cm, 'the sandbox has a ConfigMap outside kube-system')
  const obj = (await s.api('GET', `${base}/${cm.namespace}/${cm.name}`)).body
  delete obj.metadata.managedFields
  delete obj.metadata.resourceVersion
  obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), 'e2e.kubilitics.io/edited': 'yes' }
  const d = new Detail(page)
  await d.open(s.url, sandboxContext, 'configmaps', cm.namespace, cm.name)
  await d.tab('YAML')
  await page.getByRole('button', { name: 'Edit' }).click()
  const editor = page.getByRole('textbox', { name: /Edit YAML/ })
  await editor.click()
  await page.keyboard.press('Control+a')
  await page.keyboard.insertText(JSON.stringify(obj, null, 2)) // JSON is YAML
  await page.getByRole('button', { name: 'Dry run' }).click()
  await page.getByTestId('apply-result').filter({ hasText: 'dry run passed' }).waitFor()
  await shot('dry-run')
  await page.getByRole('button', { name: 'Apply', exact: true }).click()
  await page.getByTestId('apply-result').filter({ hasText: /Applied/ }).waitFor()
  // The view shows the live object with the change, not the one from before the apply.
  await page.getByTestId('yaml-editor').filter({ hasText: 'e2e.kubilitics.io/edited' }).waitFor()
  await shot('applied')
  // serve --sandbox writes the sandbox's kubeconfig into its KUBILITICS_HOME.
  const kubeconfig = `${s.home}/sandbox.kubeconfig`
  const seen = execFileSync(process.env.KUBECTL ?? '/usr/bin/kubectl', ['--kubeconfig', kubeconfig, '-n', cm.namespace, 'get', 'configmap', cm.name, '-o', 'jsonpath={.metadata.annotations.e2e\\.kubilitics\\.io/edited}'], { encoding: 'utf8' })
  await expect(seen === 'yes', `kubectl sees the annotation (got "${seen}")`)

  // An unsaved draft belongs to its object: going to another one (same page, only the route
  // changes) shows that object's own YAML, never the draft under its Apply button.
  const other = ((await s.api('GET', base)).body?.items ?? []).find((c) => c.name !== cm.name)
  await expect(other, 'the sandbox has a second ConfigMap')
  await page.getByRole('button', { name: 'Edit' }).click()
  await editor.click()
  await page.keyboard.press('Control+a')
  await page.keyboard.insertText('draft: of-the-first-configmap\n')
  await page.evaluate((hash) => (location.hash = hash), `#/c/${encodeURIComponent(sandboxContext)}/resources/configmaps/${encodeURIComponent(other.namespace)}/${encodeURIComponent(other.name)}`)
  await page.getByRole('heading', { name: `ConfigMap ${other.name}` }).waitFor()
  await expect((await page.getByRole('tab', { name: 'Summary' }).getAttribute('aria-selected')) === 'true', "the other object's page opens on its summary")
  await d.tab('YAML')
  const shown = page.getByRole('textbox', { name: `YAML of ConfigMap ${other.name}`, exact: true })
  await shown.waitFor()
  await expect(!(await shown.textContent()).includes('of-the-first-configmap'), "the first object's draft is gone")
  await expect((await page.getByRole('button', { name: 'Diff against live' }).isDisabled()), 'no draft to diff on the other object')
  await shot('other-object')
})

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
  const diagnose = () => [...sidecar.problems(), ...(sandbox?.problems() ?? [])]
  ok = await runAll({ artifacts: env('E2E_ARTIFACTS'), open, only: process.env.E2E_ONLY, diagnose })
} finally {
  await sidecar.stop()
  await sandbox?.stop()
  for (const home of [sidecar.home, sandbox?.home]) if (home) rmSync(home, { recursive: true, force: true })
}
process.exit(ok ? 0 : 1)
