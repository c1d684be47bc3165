/**
 * One WebSocket for every live view (Headlamp's multiplexer idea): views subscribe to
 * (context, kind, namespace) and receive ADDED / MODIFIED / DELETED deltas; lists the sidecar
 * keeps (investigations, approvals, insights) follow a topic that says when they changed. The
 * socket is opened while anything is subscribed, re-subscribes after a reconnect (with backoff),
 * and tells each subscriber to resync, since changes may have been missed meanwhile.
 */
import { openSocket } from './transport'

export type DeltaType = 'ADDED' | 'MODIFIED' | 'DELETED'

export interface Delta {
  type: DeltaType
  context?: string
  kind?: string
  /** The summary row (or object) the delta carries. */
  object: Record<string, unknown>
  /** Its number in the context's stream; a list's `seq` says which ones it already holds. */
  seq?: number
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
  /** The server took the subscription when the context's deltas were numbered up to `seq`. */
  onSubscribed?: (seq: number) => void
}

type Message = Record<string, unknown>

/**
 * A sidecar topic: an investigation's progress (or every investigation's), approvals requested
 * and decided, a context's insights changed (or any context's). Its messages say what changed,
 * not the data: the subscriber reads that again.
 */
export type Topic =
  | { type: 'investigations'; investigation_id?: string }
  | { type: 'approvals' }
  | { type: 'insights'; context?: string }

interface TopicListener {
  onMessage: (m: Message) => void
  onResync: () => void
}

interface TopicSub {
  /** The subscribe message, with the subscription id its messages carry. */
  msg: Topic & { id: string }
  listeners: Set<TopicListener>
}

/** What to follow: a pod's container log, starting with its last `tail` lines. */
export interface LogFollow {
  context: string
  namespace: string
  pod: string
  container?: string
  tail?: number
}

interface LogSub extends LogFollow {
  id: string
  onLines: (lines: string[]) => void
  /** The stream ended (container gone, stream failed, refused): why, in the sidecar's words. */
  onEnd: (reason: string) => void
  /** The socket reconnected and the stream starts over from its tail: drop what was shown. */
  onRestart: () => void
}

const subs = new Map<string, Set<Sub>>()
const logSubs = new Map<string, LogSub>()
let logSeq = 0
/** By subscription id: listeners of the same topic share one subscription. */
const topics = new Map<string, TopicSub>()
let socket: WebSocket | null = null
let opening = false
let retry = 0
let retryTimer: ReturnType<typeof setTimeout> | null = null

const keyOf = (s: Subscription) => `${s.context}\u0000${s.kind}\u0000${s.namespace ?? ''}`

function send(msg: unknown) {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(msg))
}

function subscribeMsg(s: Subscription) {
  return { type: 'subscribe', id: keyOf(s), context: s.context, kind: s.kind, namespace: s.namespace || undefined }
}

const idle = () => subs.size === 0 && logSubs.size === 0 && topics.size === 0

function logsMsg(l: LogSub) {
  return { type: 'logs', id: l.id, context: l.context, namespace: l.namespace, pod: l.pod, container: l.container || undefined, tail: l.tail }
}

async function ensureSocket() {
  if (socket || opening || idle()) return
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
      for (const l of logSubs.values()) {
        if (wasRetry) l.onRestart()
        send(logsMsg(l))
      }
      // A topic's followers read again once the server confirms the subscription (below).
      for (const t of topics.values()) send(t.msg)
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
  if (retryTimer || idle()) return
  retry += 1
  const delay = Math.min(30_000, 500 * 2 ** Math.min(retry, 6))
  retryTimer = setTimeout(() => {
    retryTimer = null
    void ensureSocket()
  }, delay)
}

/**
 * Routes one server message: `{"type":"deltas","context","events":[{seq,kind,type,namespace,name,row}]}`
 * (batched by the sidecar over at most 100 ms), `{"type":"resync","context","kind"}`, a log's
 * lines, or a topic's message (`investigation`, `approval`, `insights_changed`, or its `resync`).
 */
export function dispatch(raw: string) {
  let msg: Message
  try {
    msg = JSON.parse(raw) as Message
  } catch {
    return
  }
  const topic = typeof msg.id === 'string' ? topics.get(msg.id) : undefined
  if (topic) {
    // Once subscribed, read again: a change made between the followers' first read and the
    // subscription (or while the socket was down) would otherwise go unseen until the next one.
    if (msg.type === 'subscribed' || msg.type === 'resync' || msg.type === 'error') topic.listeners.forEach((l) => l.onResync())
    else if (msg.type !== 'unsubscribed') topic.listeners.forEach((l) => l.onMessage(msg))
    return
  }
  const log = typeof msg.id === 'string' ? logSubs.get(msg.id) : undefined
  if (log) {
    if (msg.type === 'log' && Array.isArray(msg.lines)) log.onLines(msg.lines.map(String))
    else if (msg.type === 'log_end' || msg.type === 'error') {
      logSubs.delete(log.id)
      log.onEnd(String(msg.reason ?? msg.message ?? 'the log stream ended'))
    }
    return
  }
  if (msg.type === 'subscribed' && typeof msg.id === 'string') {
    const seq = msg.seq
    if (typeof seq === 'number') subs.get(msg.id)?.forEach((s) => s.onSubscribed?.(seq))
    return
  }
  const context = msg.context as string | undefined
  if (msg.type === 'resync') {
    for (const [k, set] of subs) if (matches(k, context, msg.kind as string | undefined, undefined)) set.forEach((s) => s.onResync())
    return
  }
  if (msg.type !== 'deltas' || !Array.isArray(msg.events)) return
  const byKey = new Map<string, Delta[]>()
  const resync = new Set<string>()
  for (const e of msg.events as Record<string, unknown>[]) {
    const type = e.type as string
    const kind = e.kind as string | undefined
    const namespace = (e.namespace as string | null | undefined) ?? undefined
    for (const k of subs.keys()) {
      if (!matches(k, context, kind, namespace)) continue
      if (type === 'RESYNC') {
        resync.add(k)
        continue
      }
      if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') continue
      const object = (e.row as Record<string, unknown> | null | undefined) ?? { name: e.name, namespace }
      const delta: Delta = { type, context, kind, object, seq: typeof e.seq === 'number' ? e.seq : undefined }
      const list = byKey.get(k)
      if (list) list.push(delta)
      else byKey.set(k, [delta])
    }
  }
  for (const [k, deltas] of byKey) subs.get(k)?.forEach((s) => s.onDeltas(deltas))
  for (const k of resync) subs.get(k)?.forEach((s) => s.onResync())
}

function matches(key: string, context: string | undefined, kind: string | undefined, namespace: string | undefined): boolean {
  const [c, k, ns] = key.split('\u0000')
  if (context && context !== c) return false
  if (kind && kind !== '*' && kind !== k) return false
  if (ns && namespace && namespace !== ns) return false
  return true
}

export function subscribe(s: Subscription, onDeltas: Sub['onDeltas'], onResync: Sub['onResync'], onSubscribed?: Sub['onSubscribed']): () => void {
  const key = keyOf(s)
  const sub: Sub = { ...s, key, onDeltas, onResync, onSubscribed }
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
      send({ type: 'unsubscribe', id: key })
    }
  }
}

/**
 * Follows a pod's log over the shared WebSocket (the sidecar streams the kubelet's log with
 * `follow=true`): first the last `tail` lines, then each line as it is written. No polling.
 * Returns the function that stops following.
 */
export function followLogs(f: LogFollow, onLines: LogSub['onLines'], onEnd: LogSub['onEnd'], onRestart: LogSub['onRestart']): () => void {
  logSeq += 1
  const l: LogSub = { ...f, id: `logs-${logSeq}`, onLines, onEnd, onRestart }
  logSubs.set(l.id, l)
  send(logsMsg(l))
  void ensureSocket()
  return () => {
    if (logSubs.delete(l.id)) send({ type: 'unsubscribe', id: l.id })
  }
}

/**
 * Follows a topic: `onMessage` for each of its messages, `onResync` when some may have been missed
 * (the socket reconnected, or this client fell behind). Returns the function that stops following.
 */
export function followTopic(topic: Topic, onMessage: TopicListener['onMessage'], onResync: TopicListener['onResync']): () => void {
  const scope = 'investigation_id' in topic ? topic.investigation_id : 'context' in topic ? topic.context : undefined
  const id = `topic:${topic.type}:${scope ?? '*'}`
  const listener: TopicListener = { onMessage, onResync }
  let t = topics.get(id)
  if (!t) {
    t = { msg: { ...topic, id }, listeners: new Set() }
    topics.set(id, t)
    send(t.msg)
  }
  t.listeners.add(listener)
  void ensureSocket()
  return () => {
    const current = topics.get(id)
    if (!current?.listeners.delete(listener) || current.listeners.size > 0) return
    topics.delete(id)
    send({ type: 'unsubscribe', id })
  }
}
