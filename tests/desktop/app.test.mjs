// Drives the real desktop app (release build) through tauri-driver + WebKitWebDriver under Xvfb.
// Started by tests/desktop/run.sh, which provides a display, a session bus with an unlocked
// keyring, an empty HOME and a running tauri-driver. Prints "N passed, M failed" at the end.
import { execFileSync } from 'node:child_process'
import { createServer } from 'node:http'
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { remote } from 'webdriverio'

const app = process.env.KUBILITICS_APP
const artifacts = process.env.ARTIFACTS
const home = process.env.HOME
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444)
mkdirSync(artifacts, { recursive: true })

let passed = 0
let failed = 0
async function check(name, fn) {
  const t0 = Date.now()
  try {
    await fn()
    passed++
    console.log(`ok   ${name} (${Date.now() - t0} ms)`)
  } catch (e) {
    failed++
    console.log(`FAIL ${name}: ${e?.message ?? e}`)
    await shot(`failed-${name.replace(/\W+/g, '-')}`).catch(() => {})
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg)
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
async function until(what, fn, timeout = 30_000) {
  const end = Date.now() + timeout
  let last
  while (Date.now() < end) {
    try {
      const v = await fn()
      if (v) return v
    } catch (e) {
      last = e
    }
    await sleep(100)
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`)
}
/** Calls a Tauri command from inside the page, as the UI does. */
async function invoke(cmd, args = {}) {
  const r = await browser.executeAsync(
    (cmd, args, done) => {
      window.__TAURI_INTERNALS__.invoke(cmd, args).then(
        (v) => done({ ok: true, v }),
        (e) => done({ ok: false, e }),
      )
    },
    cmd,
    args,
  )
  if (!r.ok) throw new Error(`${cmd}: ${JSON.stringify(r.e)}`)
  return r.v
}
async function shot(name) {
  // The whole X screen, as a user sees the window, decorations and all. Not WebDriver's
  // screenshot: WebKitGTK takes that from the compositor, and the app turns accelerated
  // compositing off (src-tauri/src/webview.rs), so the request never answers.
  const file = join(artifacts, `${name}.png`)
  execFileSync('import', ['-window', 'root', file])
  return file
}
/** Sidecar processes of this test's app: the bundled kubilitics-sidecar binary, with this HOME. */
function sidecarPids() {
  const out = execFileSync('pgrep', ['-u', String(process.getuid()), '-f', 'kubilitics-sidecar'], { encoding: 'utf8' }).trim()
  return out ? out.split('\n').map(Number).filter((pid) => {
    try {
      return (
        readlinkSync(`/proc/${pid}/exe`).endsWith('/kubilitics-sidecar') &&
        readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').some((kv) => kv === `HOME=${home}`)
      )
    } catch {
      return false
    }
  }) : []
}
/** TCP ports process `pid` listens on (ss -p needs no privileges for our own processes). */
function listeningPorts(pid) {
  const out = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' })
  return out
    .split('\n')
    .filter((l) => l.includes(`pid=${pid},`))
    .map((l) => Number(l.trim().split(/\s+/)[3].split(':').pop()))
    .sort((a, b) => a - b)
}
/** The parent of process `pid` (field 4 of /proc/PID/stat, after the parenthesised name). */
function parentOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
}
/** Process `pid` and all its descendants. */
function tree(pid) {
  const kids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((p) => {
    try {
      return parentOf(p) === pid
    } catch {
      return false // gone
    }
  })
  return [pid, ...kids.flatMap(tree)]
}
function safePids() {
  try {
    return sidecarPids()
  } catch {
    return [] // pgrep exits 1 when nothing matches
  }
}

const started = Date.now()
const browser = await remote({
  hostname: '127.0.0.1',
  port,
  logLevel: 'error',
  capabilities: { 'tauri:options': { application: app } },
})
globalThis.browser = browser

await check('the window opens and the UI reaches the sidecar', async () => {
  const conn = await until('sidecar_connection', () => invoke('sidecar_connection'), 60_000)
  assert(conn.url.startsWith('https://127.0.0.1:'), `url ${conn.url}`)
  assert(conn.token.length >= 32, 'token too short')
  assert(conn.cert_pem.includes('BEGIN CERTIFICATE'), 'no certificate')
  // The page's own fetch succeeds over TLS: the webview trusts the pinned certificate.
  const health = await browser.executeAsync((url, done) => {
    fetch(url + '/health').then((r) => done(r.status), (e) => done(String(e)))
  }, conn.url)
  assert(health === 200, `page fetch of /health: ${health}`)
})

await check('first launch created ~/.kubilitics with the logs', async () => {
  assert(existsSync(join(home, '.kubilitics')), 'no ~/.kubilitics')
  assert(existsSync(join(home, '.kubilitics', 'ui.log')), 'no ui.log')
  await until('kubilitics.log', () => existsSync(join(home, '.kubilitics', 'kubilitics.log')), 10_000)
})

await check('the wizard appears on an empty home', async () => {
  const h1 = await browser.$('h1.brand-large')
  await h1.waitForDisplayed({ timeout: 30_000 })
  assert((await h1.getText()).includes('Welcome'), await h1.getText())
  console.log(`     cold start to wizard: ${Date.now() - started} ms (includes the WebDriver session)`)
  await sleep(1000) // WebKit's snapshot can lag the first paint
  await shot('wizard')
})

await check('choosing the sandbox shows the overview', async () => {
  const sandbox = await browser.$('[data-testid="try-sandbox"]')
  await sandbox.waitForClickable({ timeout: 30_000 })
  await sandbox.click()
  // The shell started the sidecar with --sandbox (this HOME has no kubeconfig), so the wizard's
  // POST /api/v1/sandbox only connects that context; the wizard then moves on to the safety step.
  await until('the next wizard step', async () => (await browser.getUrl()).includes('/welcome/safety'), 30_000)
  // One demo cluster, not two: the sidecar listens on the API port, the metrics port and the
  // sandbox's port from ~/.kubilitics/sandbox.kubeconfig, and on nothing else.
  const { pid, url } = await invoke('sidecar_status')
  const kubeconfig = readFileSync(join(home, '.kubilitics', 'sandbox.kubeconfig'), 'utf8')
  const sandboxPort = Number(kubeconfig.match(/server: *"?https:\/\/127\.0\.0\.1:(\d+)/)?.[1])
  const ports = listeningPorts(pid)
  assert(ports.includes(Number(new URL(url).port)), `API port missing from ${ports}`)
  assert(ports.includes(sandboxPort), `sandbox port ${sandboxPort} missing from ${ports}`)
  assert(ports.length === 3, `the sidecar listens on ${ports.length} ports (${ports}): a second sandbox?`)
  // Safety, AI provider, database: skip them all.
  for (let i = 0; i < 3; i++) {
    const skip = await browser.$('[data-testid="wizard-skip"]')
    await skip.waitForClickable({ timeout: 30_000 })
    await skip.click()
    await sleep(300)
  }
  const h1 = await browser.$('h1*=Overview')
  await h1.waitForDisplayed({ timeout: 30_000 })
  await sleep(1500) // let the live data arrive for the screenshot
  await shot('overview')
})

await check('the shell gives its WebKit processes the environment defaults', async () => {
  // src-tauri/src/webview.rs: ENV_DEFAULTS, set by main before any thread exists unless the
  // user's environment (here: this test's) has them, in which case the user's value must arrive.
  const want = `WEBKIT_DISABLE_DMABUF_RENDERER=${process.env.WEBKIT_DISABLE_DMABUF_RENDERER ?? '1'}`
  const shell = parentOf((await invoke('sidecar_status')).pid)
  const web = tree(shell).filter((pid) => /^WebKitWebProces/.test(readFileSync(`/proc/${pid}/comm`, 'latin1')))
  assert(web.length > 0, `no WebKitWebProcess under the shell ${shell}`)
  for (const pid of web) {
    const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0')
    assert(env.includes(want), `web process ${pid} lacks ${want}`)
  }
})

await check('keyring round-trip through the Tauri commands', async () => {
  const account = 'llm:desktop-test'
  await invoke('keyring_delete', { account })
  assert((await invoke('keyring_get', { account })) === null, 'not empty before')
  await invoke('keyring_set', { account, secret: 'sk-test-123' })
  assert((await invoke('keyring_get', { account })) === 'sk-test-123', 'read back differs')
  await invoke('keyring_delete', { account })
  assert((await invoke('keyring_get', { account })) === null, 'still there after delete')
  let refused = false
  await invoke('keyring_get', { account: 'ssh:id_rsa' }).catch(() => (refused = true))
  assert(refused, 'an account outside llm: was accepted')
})

await check('app version and external-link checks', async () => {
  const v = await invoke('app_version')
  assert(/^\d+\.\d+\.\d+/.test(v.version), JSON.stringify(v))
  let refused = false
  await invoke('open_external', { url: 'file:///etc/passwd' }).catch(() => (refused = true))
  assert(refused, 'a file: URL was opened')
})

/** One API request from inside the page with the shell's connection details, as the UI sends it. */
async function api(method, path, body) {
  const conn = await invoke('sidecar_connection')
  return browser.executeAsync(
    (url, token, method, body, done) => {
      fetch(url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) })
        .then(async (r) => done({ status: r.status, body: await r.text() }), (e) => done({ status: 0, body: String(e) }))
    },
    conn.url + path,
    conn.token,
    method,
    body ?? null,
  )
}

await check('an LLM key saved in Settings reaches the running backend, each new one, and its removal', async () => {
  // A scripted OpenAI-compatible server on loopback that records the credential of each call.
  const credentials = []
  const llm = createServer((req, res) => {
    credentials.push(req.headers.authorization ?? null)
    req.resume()
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'scripted',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Scripted answer.' } }],
      usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 } }))
  })
  await new Promise((r) => llm.listen(0, '127.0.0.1', r))
  const key = 'sk-desktop-handed-1'
  const ask = async () => {
    const r = await api('POST', '/api/v1/ai/chat', { context: 'kubilitics-sandbox', message: 'Why is checkout failing?' })
    assert(r.status === 200, `chat: ${r.status} ${r.body}`)
  }
  try {
    for (const [name, value] of [['ai.llm.endpoint', `http://127.0.0.1:${llm.address().port}/v1`], ['ai.llm.model', 'scripted'], ['ai.llm.provider', 'openai_compatible']]) {
      const r = await api('PUT', `/api/v1/settings/${name}`, { value })
      assert(r.status === 200, `${name}: ${r.status} ${r.body}`)
    }
    const before = await invoke('sidecar_status')
    await invoke('store_llm_api_key', { provider: 'openai_compatible', key })
    const after = await invoke('sidecar_status')
    assert(after.phase === 'ready' && after.pid === before.pid, `the backend restarted: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`)
    await ask()
    assert(credentials.at(-1) === `Bearer ${key}`, `the provider got ${JSON.stringify(credentials)}`)
    // Handed over the API, not in the environment, where any of the user's processes could read it.
    assert(!readFileSync(`/proc/${after.pid}/environ`, 'latin1').includes(key), 'the key is in the sidecar\'s environment')
    // A new backend gets the saved key as it starts.
    await invoke('restart_sidecar')
    const restarted = await invoke('sidecar_status')
    assert(restarted.pid !== after.pid, 'no restart happened')
    await ask()
    assert(credentials.at(-1) === `Bearer ${key}`, `after a restart the provider got ${JSON.stringify(credentials)}`)
    // Removed in Settings: gone from the keyring, and the running backend stops sending it.
    await invoke('delete_llm_api_key', { provider: 'openai_compatible' })
    assert((await invoke('keyring_get', { account: 'llm:openai_compatible' })) === null, 'still in the keyring')
    await ask()
    assert(!(credentials.at(-1) ?? '').includes(key), `after removal the provider got ${JSON.stringify(credentials)}`)
    assert((await invoke('sidecar_status')).pid === restarted.pid, 'removing the key restarted the backend')
    const log = readFileSync(join(home, '.kubilitics', 'kubilitics.log'), 'utf8') + readFileSync(join(home, '.kubilitics', 'ui.log'), 'utf8')
    assert(!log.includes(key), 'the key is in a log')
  } finally {
    await api('PUT', '/api/v1/settings/ai.llm.provider', { value: 'none' }).catch(() => {})
    await invoke('keyring_delete', { account: 'llm:openai_compatible' }).catch(() => {})
    llm.close()
  }
})

await check('sidecar crash -> restart with backoff, the UI is told', async () => {
  const before = await invoke('sidecar_status')
  assert(before.phase === 'ready' && before.pid, JSON.stringify(before))
  // Record what the page hears on the sidecar-status event.
  await browser.execute(() => {
    window.__heard = []
    window.__TAURI_INTERNALS__.invoke('plugin:event|listen', {
      event: 'sidecar-status',
      target: { kind: 'Any' },
      handler: window.__TAURI_INTERNALS__.transformCallback((e) => window.__heard.push(e.payload)),
    })
  })
  process.kill(before.pid, 'SIGKILL')
  const after = await until('a new ready sidecar', async () => {
    const s = await invoke('sidecar_status')
    return s.phase === 'ready' && s.pid && s.pid !== before.pid ? s : null
  }, 30_000)
  assert(after.restarts === before.restarts + 1, `restarts ${before.restarts} -> ${after.restarts}`)
  assert(after.url === before.url, `the URL changed: ${before.url} -> ${after.url}`)
  const heard = await browser.execute(() => window.__heard)
  assert(heard.some((s) => s.phase === 'restarting' && /restarting in/.test(s.message ?? '')), `events: ${JSON.stringify(heard)}`)
  assert(heard.some((s) => s.phase === 'ready'), 'no ready event')
  // And the page reaches the new process with the same connection details.
  const conn = await invoke('sidecar_connection')
  const health = await browser.executeAsync((url, done) => {
    fetch(url + '/health').then((r) => done(r.status), (e) => done(String(e)))
  }, conn.url)
  assert(health === 200, `health after restart: ${health}`)
})

await check('a requested restart returns once the new sidecar answers', async () => {
  const before = await invoke('sidecar_status')
  assert(before.phase === 'ready' && before.pid, JSON.stringify(before))
  await invoke('restart_sidecar')
  // No waiting here: when the command returns, the new process is the one that answers.
  const after = await invoke('sidecar_status')
  assert(after.phase === 'ready' && after.pid && after.pid !== before.pid, `status after the command: ${JSON.stringify(after)}`)
  assert(after.restarts === before.restarts, `an asked-for restart is not counted as a crash: ${before.restarts} -> ${after.restarts}`)
  const health = await browser.executeAsync((url, done) => {
    fetch(url + '/health').then((r) => done(r.status), (e) => done(String(e)))
  }, after.url)
  assert(health === 200, `health right after the restart: ${health}`)
})

let lastPid
await check('quit leaves no sidecar behind', async () => {
  lastPid = (await invoke('sidecar_status')).pid
  assert(safePids().includes(lastPid), `sidecar ${lastPid} not found before quitting`)
  // Closing the last window quits the app, as the window's close button does.
  await browser.execute(() => window.__TAURI_INTERNALS__.invoke('plugin:window|close', { label: 'main' })).catch(() => {})
  await until('the sidecar to exit', () => safePids().length === 0, 15_000)
})
await browser.deleteSession().catch(() => {})

await check('a killed app leaves no sidecar behind', async () => {
  // A crash or `kill -9` gives the shell no chance to stop its sidecar; the sidecar notices its
  // standard input (held by the shell) closing, and stops by itself.
  const again = await remote({ hostname: '127.0.0.1', port, logLevel: 'error', capabilities: { 'tauri:options': { application: app } } })
  const pid = await until('a ready sidecar', async () => {
    const s = await again.executeAsync((done) => window.__TAURI_INTERNALS__.invoke('sidecar_status').then(done, () => done(null)))
    return s?.phase === 'ready' ? s.pid : null
  })
  // The shell is the sidecar's parent.
  const shell = parentOf(pid)
  assert(readlinkSync(`/proc/${shell}/exe`).includes('kubilitics-desk'), `parent ${shell} is not the app`)
  process.kill(shell, 'SIGKILL')
  await until('the sidecar to exit after its app was killed', () => !safePids().includes(pid), 20_000)
  await again.deleteSession().catch(() => {})
})
await sleep(500)
if (safePids().length) {
  failed++
  console.log(`FAIL orphan sidecar processes: ${safePids().join(' ')}`)
}
console.log(`${passed} passed, ${failed} failed (desktop app)`)
process.exit(failed ? 1 : 0)
