/**
 * The only module that knows how the UI reaches the sidecar. Everything else calls `api`
 * (typed from the generated OpenAPI schema), `request` (for an endpoint the schema does not
 * describe yet) or `openSocket`, and never sees a URL, token or cookie.
 *
 * Three ways in, decided once at start-up:
 * - desktop: inside the Tauri webview, the shell hands over the sidecar URL and bearer token
 *   through the `sidecar_connection` command; requests go to that URL with the token.
 * - browser: the page is served by the sidecar (or the dev server's proxy, which adds the token
 *   itself). Requests are same-origin and carry the HttpOnly session cookie; writes also carry
 *   the CSRF token the sidecar hands out at `GET /api/v1/session`. The long-lived token is never
 *   in the page.
 */
import createClient from 'openapi-fetch'
import type { paths } from './schema'
import { ApiError } from './error'

export type Mode = 'desktop' | 'browser'

interface Connection {
  mode: Mode
  /** '' for same-origin. */
  baseUrl: string
  token?: string
  csrf?: string
}

declare global {
  interface Window {
    __TAURI_INTERNALS__?: unknown
  }
}

let connection: Promise<Connection> | null = null

function connect(): Promise<Connection> {
  connection ??= resolveConnection().catch((e: unknown) => {
    connection = null // try again on the next request
    throw e
  })
  return connection
}

async function resolveConnection(): Promise<Connection> {
  if (typeof window !== 'undefined' && window.__TAURI_INTERNALS__) {
    const { invoke } = await import('@tauri-apps/api/core')
    const c = await invoke<{ url: string; token: string }>('sidecar_connection')
    return { mode: 'desktop', baseUrl: c.url.replace(/\/$/, ''), token: c.token }
  }
  const conn: Connection = { mode: 'browser', baseUrl: '' }
  try {
    const res = await fetch('/api/v1/session', { credentials: 'same-origin' })
    if (res.ok) {
      const info = (await res.json()) as { csrf_token?: string | null }
      if (info.csrf_token) conn.csrf = info.csrf_token
    }
  } catch {
    markReachable(false)
  }
  return conn
}

/** Forget the connection (after the sidecar restarted, its session and token changed). */
export function resetConnection(): void {
  connection = null
}

// ---- reachability, for the banner ----

type Listener = () => void
let reachable = true
const listeners = new Set<Listener>()

function markReachable(ok: boolean): void {
  if (ok === reachable) return
  reachable = ok
  listeners.forEach((l) => l())
}

export const sidecarReachability = {
  get: (): boolean => reachable,
  subscribe(l: Listener): () => void {
    listeners.add(l)
    return () => listeners.delete(l)
  },
  /** For tests and for the WebSocket, which learns about reachability on its own. */
  set: markReachable,
}

// ---- HTTP ----

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

function pageOrigin(): string {
  const o = typeof window !== 'undefined' ? window.location.origin : ''
  return o.startsWith('http') ? o : 'http://kubilitics.invalid'
}

/** fetch with the connection's address and credentials; maps failures to ApiError. */
export async function transportFetch(input: Request): Promise<Response> {
  const conn = await connect()
  const url = new URL(input.url, pageOrigin())
  const target = conn.baseUrl ? conn.baseUrl + url.pathname + url.search : url.pathname + url.search
  const headers = new Headers(input.headers)
  if (conn.token) headers.set('Authorization', `Bearer ${conn.token}`)
  if (conn.csrf && WRITE.has(input.method)) headers.set('X-CSRF-Token', conn.csrf)
  const init: RequestInit = {
    method: input.method,
    headers,
    signal: input.signal,
    credentials: conn.baseUrl ? 'omit' : 'same-origin',
  }
  if (input.method !== 'GET' && input.method !== 'HEAD') init.body = await input.text()
  let res: Response
  try {
    res = await fetch(target, init)
  } catch (e) {
    if (input.signal?.aborted) throw e
    markReachable(false)
    throw ApiError.unreachableError()
  }
  if (res.status === 502 || res.status === 504) {
    markReachable(false)
  } else {
    markReachable(true)
  }
  if (res.status === 401 && !conn.token) {
    // A browser session ends with the sidecar process; re-read it next time.
    resetConnection()
  }
  return res
}

/** The typed client. Use with `unwrap`: `unwrap(await api.GET('/api/v1/version'))`. */
export const api = createClient<paths>({
  // Only the path and query of this URL are used: transportFetch puts them on the real address.
  baseUrl: pageOrigin(),
  fetch: transportFetch,
})

/** Returns the data of an openapi-fetch result or throws its ApiError. */
export function unwrap<T>(r: { data?: T; error?: unknown; response: Response }): T {
  if (r.response.ok && r.error === undefined) return r.data as T
  throw ApiError.fromBody(r.response.status, r.error ?? null, r.response.headers.get('x-request-id') ?? undefined)
}

/**
 * For endpoints the committed OpenAPI snapshot does not describe yet (while other parts of the
 * sidecar land). Same transport and errors as `api`.
 */
export async function request<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  opts: { query?: Record<string, string | number | boolean | undefined>; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const url = new URL(path, 'http://x')
  for (const [k, v] of Object.entries(opts.query ?? {})) {
    if (v !== undefined && v !== '') url.searchParams.set(k, String(v))
  }
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json'
  const req = new Request(pageOrigin() + url.pathname + url.search, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: opts.signal,
  })
  const res = await transportFetch(req)
  const text = await res.text()
  let body: unknown = null
  if (text) {
    try {
      body = JSON.parse(text)
    } catch {
      body = text
    }
  }
  if (!res.ok) throw ApiError.fromBody(res.status, body, res.headers.get('x-request-id') ?? undefined)
  return body as T
}

/** Fetches a non-JSON body (logs download, YAML). */
export async function requestText(path: string, query: Record<string, string | number | boolean | undefined> = {}, accept = 'text/plain'): Promise<string> {
  const url = new URL(path, 'http://x')
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== '') url.searchParams.set(k, String(v))
  }
  const res = await transportFetch(new Request(pageOrigin() + url.pathname + url.search, { headers: { Accept: accept } }))
  const text = await res.text()
  if (!res.ok) {
    let body: unknown = null
    try {
      body = JSON.parse(text)
    } catch {
      /* not JSON */
    }
    throw ApiError.fromBody(res.status, body, res.headers.get('x-request-id') ?? undefined)
  }
  return text
}

// ---- WebSocket ----

/**
 * Opens `/api/v1/ws`. Browsers cannot put headers on a WebSocket, so the socket authenticates
 * with a short-lived one-time ticket fetched over HTTP (the cookie also rides along same-origin).
 */
export async function openSocket(path = '/api/v1/ws'): Promise<WebSocket> {
  const conn = await connect()
  let ticket: string | undefined
  try {
    const t = await request<{ ticket: string }>('POST', '/api/v1/ws/ticket')
    ticket = t.ticket
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e
  }
  const base = conn.baseUrl || window.location.origin
  const url = new URL(path, base)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  if (ticket) url.searchParams.set('ticket', ticket)
  return new WebSocket(url)
}

/** How the UI is connected, for the About page. */
export async function connectionMode(): Promise<Mode> {
  return (await connect()).mode
}
