// @ts-check
/**
 * Starts and stops a real `kubilitics serve` for the tests: fresh KUBILITICS_HOME, free ports,
 * serving the built UI. Reads the URL from the "listening" log line and the single-use login
 * link from stderr.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export class Sidecar {
  /** @param {{bin: string, uiDir: string, args?: string[], env?: Record<string,string>, home?: string, port?: number}} opts */
  constructor(opts) {
    this.opts = opts
    this.home = opts.home ?? mkdtempSync(join(tmpdir(), 'kubilitics-e2e-'))
    /** @type {import('node:child_process').ChildProcess | null} */
    this.proc = null
    this.url = ''
    this.loginPath = ''
    this.log = ''
  }

  async start() {
    const env = {
      ...process.env,
      KUBILITICS_HOME: this.home,
      KUBILITICS_PORT: String(this.opts.port ?? 0),
      KUBILITICS_METRICS_ENABLED: 'false',
      KUBILITICS_UI_DIR: this.opts.uiDir,
      KUBILITICS_LOG_FORMAT: 'json',
      // An empty home: no kubeconfig from the machine running the tests.
      KUBECONFIG: join(this.home, 'no-kubeconfig'),
      HOME: this.home,
      ...this.opts.env,
    }
    const proc = spawn(this.opts.bin, ['serve', ...(this.opts.args ?? [])], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    this.proc = proc
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sidecar did not start in 60 s:\n${this.log}`)), 60_000)
      const onData = (/** @type {Buffer} */ b) => {
        this.log += b.toString()
        const url = /"message":"listening"[^\n]*"url":"([^"]+)"/.exec(this.log) ?? /"url":"([^"]+)"[^\n]*"message":"listening"/.exec(this.log)
        const login = /(\/login\?code=[0-9a-f]+)/.exec(this.log)
        if (url?.[1]) this.url = url[1]
        if (login?.[1]) this.loginPath = login[1]
        if (this.url && this.loginPath) {
          clearTimeout(timer)
          resolve(undefined)
        }
      }
      proc.stdout?.on('data', onData)
      proc.stderr?.on('data', onData)
      proc.on('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`sidecar exited with ${code}:\n${this.log}`))
      })
    })
    proc.removeAllListeners('exit')
    return this
  }

  get port() {
    return Number(new URL(this.url).port)
  }

  token() {
    return readFileSync(join(this.home, 'session.token'), 'utf8').trim()
  }

  /** A direct API call with the bearer token (for checks the UI does not show). */
  async api(method, path, body) {
    const res = await fetch(this.url + path, {
      method,
      headers: { Authorization: `Bearer ${this.token()}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : null }
  }

  /** Its last `n` warnings and errors (JSON log lines), to say what it saw when a test fails. */
  problems(n = 15) {
    return this.log
      .split('\n')
      .filter((l) => /"level":"(WARN|ERROR)"/.test(l))
      .slice(-n)
  }

  async hasPath(prefix) {
    const doc = await this.api('GET', '/api/v1/openapi.json')
    return Object.keys(doc.body?.paths ?? {}).some((p) => p.startsWith(prefix))
  }

  async stop() {
    const p = this.proc
    if (!p || p.exitCode !== null) return
    await new Promise((resolve) => {
      p.on('exit', resolve)
      p.kill('SIGTERM')
      setTimeout(() => p.kill('SIGKILL'), 5000)
    })
    this.proc = null
  }
}
