// Figures for src-tauri/BENCHMARKS.md (run by tests/desktop/bench.sh through run.sh):
//   cold start to interactive UI: from asking tauri-driver for a session (which launches the app)
//   to the wizard's heading being displayed, on an empty HOME, 3 runs, each a fresh HOME's first launch;
//   idle memory: PSS (and RSS, which counts shared libraries once per process) of the shell, its
//   WebKit processes and the sidecar, 20 s after the overview of the demo sandbox is shown.
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { remote } from 'webdriverio'

const app = process.env.KUBILITICS_APP
const home = process.env.HOME
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** PSS and RSS of a process, in kB (0 when it is gone). */
function memory(pid) {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
    const field = (name) => Number(rollup.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))?.[1] ?? 0)
    return { pss: field('Pss'), rss: field('Rss') }
  } catch {
    return { pss: 0, rss: 0 }
  }
}
/**
 * Where a process's PSS is, with BENCH_SMAPS=1: the largest mappings by file (anonymous memory and
 * the heap as one line each), in kB, so a change to the app can be traced to the library it moved.
 */
function largestMappings(pid, top = 8) {
  const byName = new Map()
  let name = ''
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = line.match(/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/)
    if (header) name = header[1] || '[anonymous]'
    else if (line.startsWith('Pss:')) byName.set(name, (byName.get(name) ?? 0) + Number(line.split(/\s+/)[1]))
  }
  return [...byName]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([n, kb]) => `${n.split('/').pop()} ${(kb / 1024).toFixed(1)}`)
}
function comm(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
  } catch {
    return ''
  }
}
function children(pid) {
  const out = []
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === pid) out.push(Number(d))
    } catch {
      /* gone */
    }
  }
  return out
}
function tree(pid) {
  return [pid, ...children(pid).flatMap(tree)]
}

function alive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
/** Quits the app as its window's close button does and waits for its sidecar to exit. A sidecar
 * left running would share its executable's pages with the next run's sidecar and so halve that
 * one's PSS (runs before 2026-11-26 06:40 were measured that way: the sidecar reads 42 MB alone,
 * 20-23 MB with two leftovers of the same binary beside it). */
async function quit(b) {
  const status = await b.executeAsync((done) => window.__TAURI_INTERNALS__.invoke('sidecar_status').then(done, () => done(null)))
  await b.execute(() => window.__TAURI_INTERNALS__.invoke('plugin:window|close', { label: 'main' })).catch(() => {})
  for (let i = 0; i < 150 && status?.pid && alive(status.pid); i++) await sleep(100)
  await b.deleteSession().catch(() => {})
  if (status?.pid && alive(status.pid)) {
    console.log(`warning: sidecar ${status.pid} still running after the app quit; stopping it`)
    process.kill(status.pid, 'SIGKILL')
  }
}

async function session() {
  return remote({ hostname: '127.0.0.1', port, logLevel: 'error', capabilities: { 'tauri:options': { application: app } } })
}

const starts = []
for (let run = 0; run < 3; run++) {
  rmSync(join(home, '.kubilitics'), { recursive: true, force: true })
  rmSync(join(home, '.local'), { recursive: true, force: true })
  const t0 = performance.now()
  const b = await session()
  await (await b.$('h1.brand-large')).waitForDisplayed({ timeout: 60_000 })
  starts.push(performance.now() - t0)
  if (run < 2) {
    await quit(b)
    await sleep(1500)
  } else {
    globalThis.b = b
  }
}
const b = globalThis.b
// The sidecar runs with --sandbox (no kubeconfig here): the wizard's sandbox button connects the
// demo cluster it already serves; the figure is taken on its overview, or not at all.
const where = 'the overview of the demo sandbox'
await (await b.$('[data-testid="try-sandbox"]')).click()
// The wizard moves on to its safety step once the sandbox is connected; skip that and the rest.
for (let i = 0; i < 300 && !(await b.getUrl()).includes('/welcome/safety'); i++) await sleep(100)
for (let i = 0; i < 3; i++) {
  const skip = await b.$('[data-testid="wizard-skip"]')
  await skip.waitForClickable({ timeout: 30_000 })
  await skip.click()
  await sleep(300)
}
await (await b.$('h1*=Overview')).waitForDisplayed({ timeout: 30_000 })
await sleep(20_000)
const status = await b.executeAsync((done) => window.__TAURI_INTERNALS__.invoke('sidecar_status').then(done, () => done(null)))
const shellPid = Number(execFileSync('pgrep', ['-n', '-x', 'kubilitics-desk'], { encoding: 'utf8' }).trim())
const all = tree(shellPid)
const sidecar = status?.pid
const mem = { shell: 0, webkit: 0, sidecar: 0, other: 0 }
const rss = { shell: 0, webkit: 0, sidecar: 0, other: 0 }
const processes = []
const mappings = []
for (const pid of all) {
  const m = memory(pid)
  const kind = pid === shellPid ? 'shell' : pid === sidecar ? 'sidecar' : /WebKit/i.test(comm(pid)) ? 'webkit' : 'other'
  mem[kind] += m.pss
  rss[kind] += m.rss
  processes.push(`${comm(pid)} ${(m.pss / 1024).toFixed(0)}/${(m.rss / 1024).toFixed(0)}`)
  if (process.env.BENCH_SMAPS) mappings.push(`${comm(pid)} (PSS MB): ${largestMappings(pid).join(', ')}`)
}
const mb = (kb) => (kb / 1024).toFixed(0)
const total = (m) => m.shell + m.webkit + m.sidecar + m.other
const sorted = [...starts].sort((a, b) => a - b)
const lines = [
  `cold start to interactive UI (wizard displayed), 3 runs: ${starts.map((s) => (s / 1000).toFixed(2)).join(' s, ')} s; median ${(sorted[1] / 1000).toFixed(2)} s`,
  `idle memory (PSS) 20 s after ${where}: shell ${mb(mem.shell)} MB + WebKit processes ${mb(mem.webkit)} MB + sidecar ${mb(mem.sidecar)} MB${mem.other ? ` + other ${mb(mem.other)} MB` : ''} = ${mb(total(mem))} MB`,
  `idle memory (RSS, shared pages counted in each process): shell ${mb(rss.shell)} + WebKit ${mb(rss.webkit)} + sidecar ${mb(rss.sidecar)} = ${mb(total(rss))} MB`,
  `processes (PSS/RSS MB): ${processes.join(', ')}`,
  ...mappings,
]
for (const l of lines) console.log(l)
writeFileSync(join(process.env.ARTIFACTS, 'bench.txt'), lines.join('\n') + '\n')
await quit(b)
