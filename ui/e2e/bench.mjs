// @ts-check
/**
 * One benchmark run (see bench.sh): a sidecar on BENCH_KUBECONFIG, the UI in headless Chromium.
 * Measures navigation → pod table rendered with every pod counted, then frame times (rAF deltas)
 * for BENCH_SECONDS while a churn driver patches BENCH_RATE pods per second through the API server
 * (a label per patch, so every change reaches the table as a new row), then the JS heap. A trace of
 * the churn gives each main-thread task's CPU time, so a task over 50 ms is told apart from the
 * renderer waiting for a core (the machine).
 */
import { execFileSync } from 'node:child_process'
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:https'
import { availableParallelism } from 'node:os'
import { launch } from './harness.mjs'
import { Sidecar } from './sidecar.mjs'

const pods = Number(process.env.BENCH_PODS)
const kubeconfig = String(process.env.BENCH_KUBECONFIG)
const out = String(process.env.BENCH_OUT)
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const rate = Number(process.env.BENCH_RATE ?? 100)
// Which sidecar, for the figures: BENCH_SIDECAR, else the build profile from the binary's path.
const bin = String(process.env.E2E_BIN)
const sidecarName = process.env.BENCH_SIDECAR ?? (/\/release\//.test(bin) ? 'release' : /\/debug\//.test(bin) ? 'debug' : bin)
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')

/** A client for the API server from the kubeconfig's current context (client certificate). */
function apiServer() {
  const kc = JSON.parse(execFileSync(process.env.KUBECTL ?? 'kubectl', ['--kubeconfig', kubeconfig, 'config', 'view', '--raw', '--minify', '--flatten', '-o', 'json'], { encoding: 'utf8' }))
  const cluster = kc.clusters[0].cluster
  const user = kc.users[0].user
  const b64 = (/** @type {string} */ s) => Buffer.from(s, 'base64')
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 16,
    ca: b64(cluster['certificate-authority-data']),
    cert: b64(user['client-certificate-data']),
    key: b64(user['client-key-data']),
  })
  const server = new URL(cluster.server)
  /** @returns {Promise<number>} the status code */
  return (/** @type {string} */ method, /** @type {string} */ path, /** @type {unknown} */ body, /** @type {string} */ type) =>
    new Promise((resolve, reject) => {
      const data = Buffer.from(JSON.stringify(body))
      const req = request({ host: server.hostname, port: server.port, path, method, agent, headers: { 'Content-Type': type, 'Content-Length': data.length } }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      })
      req.on('error', reject)
      req.end(data)
    })
}

const sidecar = await new Sidecar({
  bin,
  uiDir: String(process.env.E2E_UI_DIR),
  env: { KUBILITICS_KUBECONFIG_PATH: kubeconfig },
}).start()
const browser = await launch()
try {
  const clusters = await sidecar.api('GET', '/api/v1/clusters')
  const ctx = clusters.body.current ?? clusters.body.items[0].name
  const enc = encodeURIComponent(ctx)
  await sidecar.api('POST', `/api/v1/clusters/${enc}/connect`)
  await sidecar.api('PUT', '/api/v1/settings/ui.wizard', { value: { step: 'database', finished: true, skipped: [] } })
  // Wait until the sidecar's cache has every pod, so the figure is the UI's, not the sync's.
  const syncStart = Date.now()
  let total = 0
  for (let i = 0; i < 600; i++) {
    const r = await sidecar.api('GET', `/api/v1/clusters/${enc}/resources/pods?limit=1`)
    total = r.body?.total ?? 0
    if (total >= pods) break
    await new Promise((res) => setTimeout(res, 1000))
  }
  console.log(`sidecar cache: ${total} pods after ${Date.now() - syncStart} ms`)
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  await page.goto(sidecar.url + sidecar.loginPath)
  await page.waitForSelector('.shell')
  const browserNice = process.env.BENCH_BROWSER_NICE
  if (browserNice) console.log(`browser processes at nice ${browserNice}: ${reniceBrowser(Number(browserNice))}`)
  const split = process.env.BENCH_SPLIT_CPUS === '1'
  if (split) console.log(`CPUs split: ${splitCpus(sidecar.proc?.pid)}`)

  const t0 = Date.now()
  await page.evaluate((c) => (window.location.hash = `/c/${encodeURIComponent(c)}/resources/pods`), ctx)
  await page.waitForFunction(
    (n) => document.querySelector('[data-testid=row-count]')?.textContent?.endsWith(`of ${n}`) && document.querySelector('[role=row][data-name]'),
    total,
    { timeout: 120_000, polling: 'raf' },
  )
  const firstRender = Date.now() - t0
  // Where the time went: the list requests as the browser saw them.
  const fetches = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((e) => e.name.includes('/resources/pods'))
      .map((e) => ({ ms: Math.round(e.duration), kib: Math.round(/** @type {PerformanceResourceTiming} */ (e).transferSize / 1024) })),
  )

  // Churn: BENCH_RATE label patches per second, evenly spread, straight to the API server.
  const patch = apiServer()
  const names = (await sidecar.api('GET', `/api/v1/clusters/${enc}/resources/pods?limit=5000`)).body.items
  let stop = false
  let sent = 0
  let failed = 0
  const churn = (async () => {
    const started = Date.now()
    const inflight = new Set()
    while (!stop) {
      const p = names[(sent * 7919) % names.length]
      const n = sent++
      const pr = patch('PATCH', `/api/v1/namespaces/${p.namespace}/pods/${p.name}`, { metadata: { labels: { 'bench-churn': String(n) } } }, 'application/merge-patch+json')
        .then((s) => s >= 300 && failed++)
        .catch(() => failed++)
        .finally(() => inflight.delete(pr))
      inflight.add(pr)
      const due = started + (sent * 1000) / rate
      await new Promise((res) => setTimeout(res, Math.max(0, due - Date.now())))
    }
    await Promise.all(inflight)
    return (sent * 1000) / (Date.now() - started)
  })()
  await page.evaluate(() => {
    // Main-thread tasks over 50 ms: a long frame without one was the machine, not the page's work.
    // @ts-ignore
    window.__long = []
    // @ts-ignore
    new PerformanceObserver((l) => window.__long.push(...l.getEntries().map((e) => e.duration))).observe({ type: 'longtask', buffered: false })
    // @ts-ignore
    window.__frames = []
    let last = performance.now()
    const tick = (/** @type {number} */ t) => {
      // @ts-ignore
      window.__frames.push(t - last)
      last = t
      requestAnimationFrame(tick)
    }
    requestAnimationFrame(tick)
  })
  // BENCH_PROFILE=1: a CPU profile of the page while the pods change, summed by function.
  const cdp = await page.context().newCDPSession(page)
  if (process.env.BENCH_PROFILE) {
    await cdp.send('Profiler.enable')
    await cdp.send('Profiler.start')
  }
  // A trace of the churn, for each main-thread task's thread CPU time: a task over 50 ms that used
  // far less CPU was descheduled (the machine), not the page's work. BENCH_TRACE=FILE keeps it
  // (open it in DevTools' Performance panel) with the detail categories, and lists the long tasks.
  const traceFile = process.env.BENCH_TRACE
  const detail = traceFile ? ['disabled-by-default-devtools.timeline', 'v8', 'blink'] : []
  await browser.startTracing(page, { path: traceFile, categories: ['toplevel', 'devtools.timeline', ...detail] })
  const schedBefore = chromiumSchedstat()
  // Scroll while the pods change, as a user would: a wheel step every 250 ms.
  await page.mouse.move(700, 400)
  const until = Date.now() + seconds * 1000
  for (let s = 0; Date.now() < until; s++) {
    await page.mouse.wheel(0, s % 20 < 10 ? 1600 : -1600)
    await page.waitForTimeout(250)
  }
  stop = true
  const achieved = await churn
  const sched = schedSince(schedBefore)
  const trace = longTaskBreakdown(JSON.parse((await browser.stopTracing()).toString('utf8')))
  if (traceFile) {
    console.log('main-thread tasks over 50 ms, by what ran inside them (wall/CPU ms):')
    for (const t of trace.tasks) console.log(`  ${t}`)
  }
  // @ts-ignore
  const frames = /** @type {number[]} */ (await page.evaluate(() => window.__frames.slice(1)))
  // @ts-ignore
  const longTasks = /** @type {number[]} */ (await page.evaluate(() => window.__long))
  const sorted = [...frames].sort((a, b) => a - b)
  const p = (/** @type {number} */ q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  if (process.env.BENCH_PROFILE) {
    const { profile } = await cdp.send('Profiler.stop')
    const dt = new Map(profile.samples?.map((id, i) => [i, profile.timeDeltas?.[i] ?? 0]))
    const self = new Map()
    const byId = new Map(profile.nodes.map((n) => [n.id, n]))
    profile.samples?.forEach((id, i) => {
      const f = byId.get(id)?.callFrame
      const name = f ? `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}` : '?'
      self.set(name, (self.get(name) ?? 0) + (dt.get(i) ?? 0) / 1000)
    })
    console.log('CPU self time while churning (ms):')
    for (const [name, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${ms.toFixed(0).padStart(6)}  ${name}`)
  }
  await cdp.send('HeapProfiler.collectGarbage')
  await cdp.send('Performance.enable')
  const metrics = (await cdp.send('Performance.getMetrics')).metrics
  const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0
  const over50 = frames.filter((f) => f > 50).length
  const count = await page.textContent('[data-testid=row-count]')
  console.log(`pods ${total}; first render ${firstRender} ms (list requests: ${fetches.map((f) => `${f.ms} ms/${f.kib} KiB`).join(', ')})`)
  console.log(`churn: ${sent} patches at ${achieved.toFixed(0)}/s, ${failed} failed; table reads "${count}"`)
  console.log(`frames: ${frames.length}, p50 ${p(0.5).toFixed(1)} ms, p95 ${p(0.95).toFixed(1)} ms, p99 ${p(0.99).toFixed(1)} ms, worst ${Math.max(...frames).toFixed(1)} ms, over 50 ms: ${over50}`)
  console.log(`main-thread tasks over 50 ms: ${longTasks.length}${longTasks.length ? `, longest ${Math.max(...longTasks).toFixed(0)} ms, total ${longTasks.reduce((a, b) => a + b, 0).toFixed(0)} ms` : ''}`)
  console.log(`main-thread tasks over 50 ms of CPU: ${trace.overCpu} (the most CPU one task took: ${trace.maxCpu.toFixed(0)} ms); the main thread's CPU while churning: ${trace.cpu.toFixed(0)} ms`)
  console.log(`Chromium's threads while churning, by process type, CPU / waiting for a CPU (ms): ${sched}`)
  console.log(`JS heap after GC: ${(heap / 1048576).toFixed(0)} MiB; load average ${load()}`)
  const placement = [browserNice ? `browser at nice ${browserNice}` : '', split ? 'CPUs split' : ''].filter(Boolean).join(', ')
  const line = `| ${total.toLocaleString('en')} | ${firstRender} ms | ${p(0.5).toFixed(1)} ms | ${p(0.95).toFixed(1)} ms | ${Math.max(...frames).toFixed(1)} ms | ${over50} of ${frames.length} | ${longTasks.length} (${trace.overCpu} over 50 ms CPU) | ${(heap / 1048576).toFixed(0)} MiB | ${achieved.toFixed(0)}/s | ${load()} | ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC | ${sidecarName}${placement ? `, ${placement}` : ''} |`
  console.log(line)
  if (!existsSync(out)) writeFileSync(out, '')
  appendFileSync(out, line + '\n')
} finally {
  await browser.close()
  await sidecar.stop()
  // The control plane outlives this run: give its processes every CPU back.
  if (process.env.BENCH_SPLIT_CPUS === '1') unpinCluster()
}

/**
 * The renderer main thread's tasks over 50 ms in a trace: each with its wall and thread CPU time
 * (a task far longer than its CPU time was descheduled: the machine, not the page) and the time
 * of the events directly inside it (script, style and layout, compositor commit, ...), largest
 * first; the count of tasks over 50 ms of CPU, the most CPU one task took and the main thread's
 * CPU time in all (ms).
 * @param {{traceEvents: any[]} | any[]} trace
 */
function longTaskBreakdown(trace) {
  const events = Array.isArray(trace) ? trace : trace.traceEvents
  // The page's renderer: of the renderer main threads (a spare renderer may be traced too), the busiest.
  const mains = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`))
  const busy = new Map()
  for (const e of events) {
    const k = `${e.pid}:${e.tid}`
    if (e.ph === 'X' && typeof e.dur === 'number' && mains.has(k)) busy.set(k, (busy.get(k) ?? 0) + e.dur)
  }
  const main = [...busy].sort((a, b) => b[1] - a[1])[0]?.[0]
  if (!main) return { tasks: [], overCpu: NaN, cpu: NaN, maxCpu: NaN }
  const mine = events.filter((e) => `${e.pid}:${e.tid}` === main && e.ph === 'X' && typeof e.dur === 'number').sort((a, b) => a.ts - b.ts || b.dur - a.dur)
  /** The outermost events inside [from, to), skipping `except` (events are sorted by start). */
  const outermost = (/** @type {number} */ from, /** @type {number} */ to, /** @type {any} */ except) => {
    const out = []
    let reach = -1
    for (const e of mine) {
      if (e === except || e.ts < from || e.ts + e.dur > to || e.ts < reach) continue
      reach = e.ts + e.dur
      out.push(e)
    }
    return out
  }
  const tasks = outermost(-Infinity, Infinity, null).filter((e) => /RunTask$/.test(e.name))
  const out = []
  let cpu = 0
  let overCpu = 0
  let maxCpu = 0
  for (const t of tasks) {
    cpu += (t.tdur ?? 0) / 1000
    maxCpu = Math.max(maxCpu, (t.tdur ?? 0) / 1000)
    if ((t.tdur ?? 0) >= 50_000) overCpu++
    if (t.dur < 50_000) continue
    // Down through the task's own wrappers to the work inside.
    let inner = outermost(t.ts, t.ts + t.dur, t)
    for (;;) {
      const w = inner.find((e) => /RunTask$/.test(e.name) && e.dur >= 0.9 * t.dur)
      if (!w) break
      inner = outermost(w.ts, w.ts + w.dur, w)
    }
    const by = new Map()
    for (const e of inner) {
      const fn = e.args?.data?.functionName || e.args?.data?.type || ''
      const name = fn ? `${e.name}(${fn})` : e.name
      const [w, c] = by.get(name) ?? [0, 0]
      by.set(name, [w + e.dur / 1000, c + (e.tdur ?? 0) / 1000])
    }
    const parts = [...by].sort((a, b) => b[1][0] - a[1][0]).slice(0, 5).map(([n, [w, c]]) => `${n} ${w.toFixed(0)}/${c.toFixed(0)}`)
    out.push(`${(t.dur / 1000).toFixed(0)} ms (CPU ${((t.tdur ?? 0) / 1000).toFixed(0)} ms): ${parts.join(', ')}`)
  }
  return { tasks: out, overCpu, cpu, maxCpu }
}

/** Every process: pid → parent pid and command name. */
function processTable() {
  /** @type {Map<number, {ppid: number, comm: string}>} */
  const procs = new Map()
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      procs.set(Number(d), { ppid, comm })
    } catch {
      // gone meanwhile
    }
  }
  return procs
}

/** This run's Chromium processes (descendants of this process). */
function browserPids(/** @type {Map<number, {ppid: number, comm: string}>} */ procs) {
  const mine = (/** @type {number} */ pid) => {
    for (let p = procs.get(pid)?.ppid; p; p = procs.get(p)?.ppid) if (p === process.pid) return true
    return false
  }
  return [...procs].filter(([pid, p]) => /chrom/i.test(p.comm) && mine(pid)).map(([pid]) => String(pid))
}

/**
 * CPU time and run-queue time (runnable, waiting for a core) of every thread of this run's
 * Chromium processes, in ns, summed by process type (`--type=renderer`, `gpu-process`, the
 * browser...), from /proc/PID/task/TID/schedstat. A long frame with little CPU behind it and much
 * waiting was the machine's scheduling, not the page's work.
 */
function chromiumSchedstat() {
  /** @type {Map<string, {cpu: number, wait: number}>} */
  const byType = new Map()
  for (const pid of browserPids(processTable())) {
    /** @type {string[]} */
    let tids = []
    let type = 'browser'
    try {
      type = readFileSync(`/proc/${pid}/cmdline`, 'utf8').match(/--type=([a-z-]+)/)?.[1] ?? 'browser'
      tids = readdirSync(`/proc/${pid}/task`)
    } catch {
      continue // the process ended meanwhile
    }
    for (const tid of tids) {
      try {
        const [cpu, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number)
        const t = byType.get(type) ?? { cpu: 0, wait: 0 }
        byType.set(type, { cpu: t.cpu + cpu, wait: t.wait + wait })
      } catch {
        // the thread ended meanwhile (a thread gone by the second sample makes its type's figure low)
      }
    }
  }
  return byType
}

/** What chromiumSchedstat() grew by since `before`, as "type CPU/wait" in ms. */
function schedSince(/** @type {Map<string, {cpu: number, wait: number}>} */ before) {
  const ms = (/** @type {number} */ ns) => (ns / 1e6).toFixed(0)
  const parts = []
  for (const [type, t] of chromiumSchedstat()) {
    const cpu = t.cpu - (before.get(type)?.cpu ?? 0)
    if (cpu > 0) parts.push(`${type} ${ms(cpu)}/${ms(t.wait - (before.get(type)?.wait ?? 0))}`)
  }
  return parts.join(', ')
}

/**
 * BENCH_SPLIT_CPUS=1: the machine as a user has it, where the cluster runs elsewhere. The
 * browser's processes and the sidecar get CPU 1, the control plane (every `testcluster` and
 * `kwok` process) CPU 0. This process (the churn driver and the browser's remote control) and
 * the machine's other processes still run on either. Says what it pinned.
 * @param {number | undefined} sidecarPid
 */
function splitCpus(sidecarPid) {
  const procs = processTable()
  const pin = (/** @type {string} */ cpu, /** @type {string[]} */ pids) => {
    for (const pid of pids) execFileSync('taskset', ['-a', '-c', '-p', cpu, pid], { stdio: 'ignore' })
    return pids.length
  }
  const cluster = clusterPids(procs)
  const front = [...browserPids(procs), ...(sidecarPid ? [String(sidecarPid)] : [])]
  return `${pin('1', front)} browser and sidecar processes on CPU 1, ${pin('0', cluster)} control-plane processes on CPU 0`
}

function clusterPids(/** @type {Map<number, {ppid: number, comm: string}>} */ procs) {
  return [...procs].filter(([, p]) => p.comm === 'testcluster' || p.comm === 'kwok').map(([pid]) => String(pid))
}

function unpinCluster() {
  const all = `0-${availableParallelism() - 1}`
  for (const pid of clusterPids(processTable())) execFileSync('taskset', ['-a', '-c', '-p', all, pid], { stdio: 'ignore' })
}

/**
 * BENCH_BROWSER_NICE: sets the nice value of this run's Chromium processes (not the sidecar's), so
 * the browser gets a core whenever it wants one, as on a desktop whose cluster runs elsewhere: what
 * is left over 50 ms is then not the control plane or other builds taking the CPU. Says what it set.
 * @param {number} nice
 */
function reniceBrowser(nice) {
  const pids = browserPids(processTable())
  if (pids.length) execFileSync('renice', ['-n', String(nice), '-p', ...pids], { stdio: 'ignore' })
  // Chromium runs in a session of its own; with autogroup scheduling (Linux's default) each
  // session's group shares the CPU equally whatever its processes' nice values, so the group's
  // nice value is the one that counts.
  const groups = new Set()
  for (const pid of pids) {
    try {
      const g = readFileSync(`/proc/${pid}/autogroup`, 'utf8').split(' ')[0]
      if (!groups.has(g)) writeFileSync(`/proc/${pid}/autogroup`, String(nice))
      groups.add(g)
    } catch {
      // no autogroup scheduling here
    }
  }
  return `${pids.length} processes, ${groups.size} autogroup(s)`
}
