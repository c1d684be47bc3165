/**
 * One WebSocket for every live view (Headlamp's multiplexer idea): views subscribe to
 * (context, kind, namespace) and receive ADDED / MODIFIED / DELETED deltas; the socket is opened
 * while anything is subscribed, re-subscribes after a reconnect (with backoff), and tells each
 * subscriber to resync, since deltas may have been missed meanwhile.
 */
import { openSocket } from './transport'

export type DeltaType = 'ADDED' | 'MODIFIED' | 'DELETED'

export interface Delta {
  type: DeltaType
  context?: string
  kind?: string
  /** The summary row (or object) the delta carries. */
  object: Record<string, unknown>
}

export interface Subscription {
  context: string
  kind: string
  namespace?: string
}

interface Sub extends Subscription {
  key: string
  onDeltas: (d: Delta[]) => void
  onResync: () => void
}

type Listener = (msg: Record<string, unknown>) => void

const subs = new Map<string, Set<Sub>>()
const messageListeners = new Set<Listener>()
let socket: WebSocket | null = null
let opening = false
let retry = 0
let retryTimer: ReturnType<typeof setTimeout> | null = null

const keyOf = (s: Subscription) => `${s.context}\u0000${s.kind}\u0000${s.namespace ?? ''}`

function send(msg: unknown) {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(msg))
}

function subscribeMsg(s: Subscription) {
  return { type: 'subscribe', context: s.context, kind: s.kind, namespace: s.namespace || undefined }
}

async function ensureSocket() {
  if (socket || opening || (subs.size === 0 && messageListeners.size === 0)) return
  opening = true
  try {
    const ws = await openSocket()
    socket = ws
    ws.onopen = () => {
      const wasRetry = retry > 0
      retry = 0
      for (const set of subs.values()) {
        const first = set.values().next().value
        if (first) send(subscribeMsg(first))
        if (wasRetry) set.forEach((s) => s.onResync())
      }
    }
    ws.onmessage = (ev) => dispatch(String(ev.data))
    ws.onclose = () => {
      socket = null
      scheduleReconnect()
    }
  } catch {
    scheduleReconnect()
  } finally {
    opening = false
  }
}

function scheduleReconnect() {
  if (retryTimer || (subs.size === 0 && messageListeners.size === 0)) return
  retry += 1
  const delay = Math.min(30_000, 500 * 2 ** Math.min(retry, 6))
  retryTimer = setTimeout(() => {
    retryTimer = null
    void ensureSocket()
  }, delay)
}

/** Routes one server message (a delta, a batch of deltas, a resync or anything else). */
export function dispatch(raw: string) {
  let msg: Record<string, unknown>
  try {
    msg = JSON.parse(raw) as Record<string, unknown>
  } catch {
    return
  }
  messageListeners.forEach((l) => l(msg))
  const batch = Array.isArray(msg.events) ? (msg.events as Record<string, unknown>[]) : Array.isArray(msg) ? (msg as Record<string, unknown>[]) : [msg]
  const byKey = new Map<string, Delta[]>()
  for (const m of batch) {
    const type = m.type as string
    if (type === 'RESYNC' || type === 'resync') {
      for (const [k, set] of subs) if (matches(k, m)) set.forEach((s) => s.onResync())
      continue
    }
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') continue
    const object = (m.object ?? m.row ?? m.item) as Record<string, unknown> | undefined
    if (!object) continue
    for (const k of subs.keys()) {
      if (!matches(k, { ...m, namespace: m.namespace ?? object.namespace })) continue
      byKey.set(k, [...(byKey.get(k) ?? []), { type, context: m.context as string, kind: m.kind as string, object }])
    }
  }
  for (const [k, deltas] of byKey) subs.get(k)?.forEach((s) => s.onDeltas(deltas))
}

function matches(key: string, m: Record<string, unknown>): boolean {
  const [context, kind, namespace] = key.split('\u0000')
  if (m.context && m.context !== context) return false
  if (m.kind && String(m.kind).toLowerCase() !== kind && String(m.kind).toLowerCase() + 's' !== kind) return false
  if (namespace && m.namespace && m.namespace !== namespace) return false
  return true
}

export function subscribe(s: Subscription, onDeltas: Sub['onDeltas'], onResync: Sub['onResync']): () => void {
  const key = keyOf(s)
  const sub: Sub = { ...s, key, onDeltas, onResync }
  const set = subs.get(key) ?? new Set()
  const isNew = set.size === 0
  set.add(sub)
  subs.set(key, set)
  if (isNew) send(subscribeMsg(s))
  void ensureSocket()
  return () => {
    set.delete(sub)
    if (set.size === 0) {
      subs.delete(key)
      send({ type: 'unsubscribe', context: s.context, kind: s.kind, namespace: s.namespace || undefined })
    }
  }
}

/** Every message (investigation progress, etc.). */
export function onMessage(l: Listener): () => void {
  messageListeners.add(l)
  void ensureSocket()
  return () => messageListeners.delete(l)
}
