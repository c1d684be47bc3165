// @ts-check
/**
 * One benchmark run (see bench.sh): a sidecar on BENCH_KUBECONFIG, the UI in headless Chromium.
 * Measures navigation → pod table rendered with every pod counted, then frame times (rAF deltas)
 * for 10 s while a churner patches 100 pods per second through kubectl, then the JS heap.
 */
import { spawn } from 'node:child_process'
import { appendFileSync, existsSync, writeFileSync } from 'node:fs'
import { launch } from './harness.mjs'
import { Sidecar } from './sidecar.mjs'

const pods = Number(process.env.BENCH_PODS)
const kubeconfig = String(process.env.BENCH_KUBECONFIG)
const out = String(process.env.BENCH_OUT)
const sidecar = await new Sidecar({
  bin: String(process.env.E2E_BIN),
  uiDir: String(process.env.E2E_UI_DIR),
  env: { KUBILITICS_KUBECONFIG_PATH: kubeconfig },
}).start()
const browser = await launch()
try {
  const clusters = await sidecar.api('GET', '/api/v1/clusters')
  const ctx = clusters.body.current ?? clusters.body.items[0].name
  await sidecar.api('POST', `/api/v1/clusters/${encodeURIComponent(ctx)}/connect`)
  await sidecar.api('PUT', '/api/v1/settings/ui.wizard', { value: { step: 'database', finished: true, skipped: [] } })
  // Wait until the sidecar's cache has every pod, so the figure is the UI's, not the sync's.
  for (let i = 0; i < 600; i++) {
    const r = await sidecar.api('GET', `/api/v1/clusters/${encodeURIComponent(ctx)}/resources/pods?limit=1`)
    if ((r.body?.total ?? 0) >= pods) break
    await new Promise((res) => setTimeout(res, 1000))
  }
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  const link = await sidecar.api('POST', '/api/v1/session/login-url')
  await page.goto(sidecar.url + link.body.path)
  await page.waitForSelector('.shell')
  const t0 = Date.now()
  await page.evaluate((c) => (window.location.hash = `/c/${encodeURIComponent(c)}/resources/pods`), ctx)
  await page.waitForFunction((n) => document.querySelector('[data-testid=row-count]')?.textContent?.endsWith(`of ${n}`) && document.querySelector('[role=row][data-name]'), pods, {
    timeout: 120_000,
    polling: 'raf',
  })
  const firstRender = Date.now() - t0

  // Churn: 100 pod patches per second for 10 s, in parallel kubectl batches of 10.
  const names = (await sidecar.api('GET', `/api/v1/clusters/${encodeURIComponent(ctx)}/resources/pods?limit=2000`)).body.items
  let stop = false
  const churn = (async () => {
    let i = 0
    while (!stop) {
      const started = Date.now()
      const batch = []
      for (let j = 0; j < 10; j++) {
        const p = names[(i++ * 7) % names.length]
        batch.push(
          new Promise((res) => {
            const k = spawn('kubectl', ['--kubeconfig', kubeconfig, '-n', p.namespace, 'annotate', '--overwrite', 'pod', p.name, `bench=${i}`], { stdio: 'ignore' })
            k.on('exit', res)
          }),
        )
      }
      await Promise.all(batch)
      await new Promise((res) => setTimeout(res, Math.max(0, 100 - (Date.now() - started))))
    }
  })()
  await page.evaluate(() => {
    // @ts-ignore
    window.__frames = []
    let last = performance.now()
    const tick = (t) => {
      // @ts-ignore
      window.__frames.push(t - last)
      last = t
      requestAnimationFrame(tick)
    }
    requestAnimationFrame(tick)
  })
  // Scroll while churning, as a user would.
  for (let s = 0; s < 20; s++) {
    await page.mouse.move(700, 400)
    await page.mouse.wheel(0, 1600)
    await page.waitForTimeout(500)
  }
  stop = true
  await churn
  // @ts-ignore
  const frames = /** @type {number[]} */ (await page.evaluate(() => window.__frames.slice(1)))
  const sorted = [...frames].sort((a, b) => a - b)
  const p = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable')
  const metrics = (await cdp.send('Performance.getMetrics')).metrics
  const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0
  const over50 = frames.filter((f) => f > 50).length
  const line = `| ${pods.toLocaleString('en')} | ${firstRender} ms | ${p(0.5).toFixed(1)} ms | ${p(0.95).toFixed(1)} ms | ${Math.max(...frames).toFixed(1)} ms | ${over50} of ${frames.length} | ${(heap / 1048576).toFixed(0)} MiB | ${new Date().toISOString().slice(0, 10)} |`
  console.log(line)
  if (!existsSync(out)) writeFileSync(out, '')
  appendFileSync(out, line + '\n')
} finally {
  await browser.close()
  await sidecar.stop()
}
