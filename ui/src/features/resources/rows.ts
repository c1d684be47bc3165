/** Pure helpers for resource tables: columns in kubectl's order, sorting, filtering, deltas. */

export type Row = { name: string; namespace?: string; created?: string | null; age?: string } & Record<string, unknown>

/** kubectl's column order per kind (AGE last, wide columns after it, as `-o wide` prints them). */
const ORDER: Record<string, string[]> = {
  pods: ['ready', 'status', 'restarts', 'age', 'ip', 'node'],
  deployments: ['ready', 'up_to_date', 'available', 'age'],
  replicasets: ['desired', 'current', 'ready', 'age'],
  statefulsets: ['ready', 'age'],
  daemonsets: ['desired', 'current', 'ready', 'up_to_date', 'available', 'node_selector', 'age'],
  jobs: ['status', 'completions', 'duration', 'age'],
  cronjobs: ['schedule', 'suspend', 'active', 'last_schedule', 'age'],
  services: ['type', 'cluster_ip', 'external_ip', 'ports', 'age', 'selector'],
  nodes: ['status', 'roles', 'age', 'version'],
  namespaces: ['status', 'age'],
  events: ['last_seen', 'type', 'reason', 'object', 'message'],
  persistentvolumeclaims: ['status', 'volume', 'capacity', 'access_modes', 'storageclass', 'age'],
  persistentvolumes: ['capacity', 'access_modes', 'reclaim_policy', 'status', 'claim', 'storageclass', 'age'],
  configmaps: ['data', 'age'],
  secrets: ['type', 'data', 'age'],
  ingresses: ['class', 'hosts', 'address', 'ports', 'age'],
  horizontalpodautoscalers: ['reference', 'targets', 'minpods', 'maxpods', 'replicas', 'age'],
}

const SKIP = new Set(['name', 'namespace', 'created', 'uid', 'labels'])

/** NAME, NAMESPACE (when listing across namespaces), then the kind's columns. */
export function columnsFor(kind: string, rows: Row[], showNamespace: boolean): string[] {
  const seen = new Set<string>()
  for (const r of rows.slice(0, 200)) for (const k of Object.keys(r)) if (!SKIP.has(k)) seen.add(k)
  const preferred = (ORDER[kind] ?? []).filter((c) => seen.has(c) || c === 'age')
  const rest = [...seen].filter((c) => !preferred.includes(c) && c !== 'age')
  const cols = ['name']
  if (showNamespace) cols.push('namespace')
  const ordered = [...preferred, ...rest]
  if (!ordered.includes('age')) ordered.push('age')
  return [...cols, ...ordered]
}

export function header(col: string): string {
  return col.replace(/_/g, '-').toUpperCase()
}

export function cell(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (Array.isArray(v)) return v.join(',')
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

export const rowKey = (r: { namespace?: string | null; name: string }) => `${r.namespace ?? ''}/${r.name}`

/** Where the row with this rowKey is in `rows` (-1: nowhere), checking `hint` first; builds no strings. */
export function indexOfKey(rows: Row[], key: string, hint = -1): number {
  const slash = key.indexOf('/')
  const ns = key.slice(0, slash)
  const name = key.slice(slash + 1)
  const is = (r: Row | undefined) => !!r && r.name === name && (r.namespace ?? '') === ns
  if (is(rows[hint])) return hint
  return rows.findIndex(is)
}

/** An age as kubectl prints it (its HumanDuration): 90s, 5m30s, 45m, 5h30m, 30h, 3d4h, 20d, 2y10d. */
export function humanAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds))
  const m = Math.floor(s / 60)
  const h = Math.floor(s / 3600)
  const d = Math.floor(s / 86400)
  const y = Math.floor(d / 365)
  const withRest = (a: number, ua: string, b: number, ub: string) => (b ? `${a}${ua}${b}${ub}` : `${a}${ua}`)
  if (s < 120) return `${s}s`
  if (m < 10) return withRest(m, 'm', s % 60, 's')
  if (m < 180) return `${m}m`
  if (h < 8) return withRest(h, 'h', m % 60, 'm')
  if (h < 48) return `${h}h`
  if (h < 24 * 8) return withRest(d, 'd', h % 24, 'h')
  if (d < 365 * 2) return `${d}d`
  if (y < 8) return withRest(y, 'y', d % 365, 'd')
  return `${y}y`
}

/** The time since `at` as of `now`, as kubectl prints it ("5m"); `otherwise` when `at` is not a time. */
function since(at: string, now: number, otherwise: string): string {
  const t = at ? Date.parse(at) : NaN
  return Number.isNaN(t) ? otherwise : humanAge((now - t) / 1000)
}

/** AGE as of `now`: from the creation time when the row has one, so it keeps counting. */
export function ageOf(r: Row, now: number): string {
  return since(r.created ?? '', now, cell(r.age))
}

/** An event's LAST SEEN as of `now`, counting the same way; the value itself when it is not a time. */
export function lastSeenOf(r: Row, now: number): string {
  const at = cell(r.last_seen)
  return since(at, now, at)
}

/** "5m", "3d4h", "12s" → seconds, for sorting AGE the way a human reads it. */
export function durationSeconds(s: string): number {
  let total = 0
  const re = /(\d+)([smhdy])/g
  let m: RegExpExecArray | null
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, y: 31536000 }
  let any = false
  while ((m = re.exec(s))) {
    any = true
    total += Number(m[1]) * (unit[m[2] ?? 's'] ?? 1)
  }
  return any ? total : NaN
}

/** A row's place in a sort: the column's value, and the row's key to order ties. */
interface SortEntry {
  col: string
  v: number | string
  k: string
}

/**
 * Sort entries by row object. Live deltas replace only the rows that changed, so every other row
 * keeps its object and its entry is computed once, not on every re-sort or binary search.
 */
const sortEntries = new WeakMap<Row, SortEntry>()

function entry(r: Row, col: string): SortEntry {
  const c = sortEntries.get(r)
  if (c && c.col === col) return c
  const e = { col, v: computeSortValue(r, col), k: c?.k ?? rowKey(r) }
  sortEntries.set(r, e)
  return e
}

function computeSortValue(r: Row, col: string): number | string {
  if (col === 'age') {
    // Older first when ascending, like `--sort-by=.metadata.creationTimestamp`.
    if (r.created) return -Date.parse(r.created)
    return durationSeconds(String(r.age ?? ''))
  }
  const v = r[col]
  if (typeof v === 'number') return v
  const s = cell(v)
  if (col === 'ready' && /^\d+\/\d+$/.test(s)) {
    const [a, b] = s.split('/').map(Number)
    return (a ?? 0) - (b ?? 0)
  }
  if (col === 'restarts') return parseInt(s, 10) || 0
  return s.toLowerCase()
}

/** The order of two entries (`dir` -1 for descending): by value (numbers as numbers, NaN last), then key. */
function compareEntries(a: SortEntry, b: SortEntry, dir: number): number {
  const x = a.v
  const y = b.v
  let c: number
  if (typeof x === 'number' && typeof y === 'number') {
    const nx = Number.isNaN(x) ? Infinity : x
    const ny = Number.isNaN(y) ? Infinity : y
    c = nx === ny ? 0 : nx < ny ? -1 : 1
  } else {
    const sx = String(x)
    const sy = String(y)
    c = sx < sy ? -1 : sx > sy ? 1 : 0
  }
  if (c === 0) c = a.k < b.k ? -1 : a.k > b.k ? 1 : 0
  return c * dir
}

export interface SortSpec {
  col: string
  desc: boolean
}

export function sortRows(rows: Row[], sort: SortSpec): Row[] {
  const dir = sort.desc ? -1 : 1
  const keyed = rows.map((r) => [entry(r, sort.col), r] as const)
  keyed.sort((a, b) => compareEntries(a[0], b[0], dir))
  return keyed.map(([, r]) => r)
}

const matchesRow = (r: Row, needle: string) => Object.values(r).some((v) => cell(v).toLowerCase().includes(needle))

/** Free-text filter over name, namespace and every column. */
export function filterRows(rows: Row[], q: string): Row[] {
  const needle = q.trim().toLowerCase()
  if (!needle) return rows
  return rows.filter((r) => matchesRow(r, needle))
}

/** A table's rows as shown (filtered and sorted), with what they were computed from. */
export interface View {
  rows: Row[]
  q: string
  sort: SortSpec
  visible: Row[]
  /** Whether `visible` was patched from the previous view's rather than sorted. */
  patched: boolean
}

/** Beyond this many changed rows a full sort is as cheap as patching. */
const PATCH_LIMIT = 2000

/**
 * The filtered, sorted rows for `rows`, reusing `prev` where it can. When `rows` came from
 * `prev.rows` through applyDeltas, the previous order is patched instead of sorted again: a
 * changed row that keeps its place is replaced where it is, and removed, added or moved rows are
 * found and placed by binary search, so 100 changes a second on 50,000 rows cost no re-sort
 * (whichever column the table is sorted by).
 */
export function view(prev: View | null, rows: Row[], q: string, sort: SortSpec): View {
  const sameSort = !!prev && prev.sort.col === sort.col && prev.sort.desc === sort.desc
  if (prev && sameSort && prev.q === q) {
    if (prev.rows === rows) return prev
    const from = ids.get(prev.rows)
    const log = from === undefined ? undefined : changeLogs.get(rows)?.find((l) => l.from === from)
    if (log) {
      const visible = patch(prev, log.changes)
      if (visible) return { rows, q, sort, visible, patched: true }
    }
  }
  return { rows, q, sort, visible: sortRows(filterRows(rows, q), sort), patched: false }
}

/** Holds a table's last view (any view derived from the same inputs is as good as another). */
export class Viewer {
  private last: View | null = null
  show(rows: Row[], q: string, sort: SortSpec): Row[] {
    this.last = view(this.last, rows, q, sort)
    return this.last.visible
  }
}

/** The first index in sorted `rows` whose entry is not before `e`. */
function lowerBound(rows: Row[], e: SortEntry, col: string, dir: number): number {
  let lo = 0
  let hi = rows.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compareEntries(entry(rows[mid] as Row, col), e, dir) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** `prev.visible` with a batch's changes applied, or null when the view does not hold what it should. */
function patch(prev: View, changes: Change[]): Row[] | null {
  const needle = prev.q.trim().toLowerCase()
  const shown = (r: Row | undefined): r is Row => !!r && (!needle || matchesRow(r, needle))
  const col = prev.sort.col
  const dir = prev.sort.desc ? -1 : 1
  const old = prev.visible
  const visible = old.slice()
  const drop: number[] = []
  const add: Row[] = []
  for (const c of changes) {
    let j = -1
    if (shown(c.old)) {
      j = lowerBound(old, entry(c.old, col), col, dir)
      if (old[j] !== c.old) return null
    }
    const now = shown(c.now) ? c.now : undefined
    if (j >= 0 && now && compareEntries(entry(c.old as Row, col), entry(now, col), dir) === 0) visible[j] = now
    else {
      if (j >= 0) drop.push(j)
      if (now) add.push(now)
    }
  }
  if (drop.length === 0 && add.length === 0) return visible
  // One pass: the kept rows in order, each added row inserted where a binary search puts it.
  drop.sort((a, b) => a - b)
  const at = add.map((r) => [lowerBound(old, entry(r, col), col, dir), entry(r, col), r] as const)
  at.sort((a, b) => a[0] - b[0] || compareEntries(a[1], b[1], dir))
  const out: Row[] = []
  let a = 0
  let d = 0
  for (let i = 0; i <= visible.length; i++) {
    while (a < at.length && (at[a] as (typeof at)[number])[0] === i) out.push((at[a++] as (typeof at)[number])[2])
    if (i === visible.length) break
    if (drop[d] === i) d++
    else out.push(visible[i] as Row)
  }
  return out
}

export interface RowDelta {
  type: 'ADDED' | 'MODIFIED' | 'DELETED'
  object: Record<string, unknown>
}

/** Key → position, per rows array; handed on to the next array when no row was removed. */
const indexes = new WeakMap<Row[], Map<string, number>>()

/** What batches did to one key: the row object they replaced or removed, the one it holds now. */
interface Change {
  key: string
  old?: Row
  now?: Row
}

/**
 * Per array applyDeltas returned: the net change per key since each of the last few arrays before
 * it (by id, not by reference, so no array keeps its predecessors alive), the latest first. A view
 * rendered only every few batches still finds the changes since the rows it showed.
 */
const changeLogs = new WeakMap<Row[], { from: number; changes: Change[] }[]>()
const ids = new WeakMap<Row[], number>()
let lastId = 0
const idOf = (rows: Row[]) => ids.get(rows) ?? (ids.set(rows, ++lastId), lastId)
/** How many arrays back a log reaches. */
const LOG_DEPTH = 6

/** `first`'s changes followed by `then`'s, per key. */
function compose(first: Change[], then: Change[]): Change[] {
  const byKey = new Map(first.map((c) => [c.key, c]))
  for (const c of then) {
    const f = byKey.get(c.key)
    byKey.set(c.key, f ? { key: c.key, old: f.old, now: c.now } : c)
  }
  return [...byKey.values()]
}

/** Applies a batch of deltas; returns the same array when nothing changed. */
export function applyDeltas(rows: Row[], deltas: RowDelta[]): Row[] {
  if (deltas.length === 0) return rows
  const index = indexes.get(rows) ?? new Map(rows.map((r, i) => [rowKey(r), i]))
  // The index is updated below for `next`; it no longer describes `rows`.
  indexes.delete(rows)
  const next = rows.slice()
  const removed = new Set<number>()
  const net = new Map<string, Change>()
  for (const d of deltas) {
    const obj = d.object as Row
    if (!obj.name) continue
    const k = rowKey(obj)
    const i = index.get(k)
    if (!net.has(k)) net.set(k, { key: k, old: i === undefined ? undefined : next[i] })
    const change = net.get(k) as Change
    if (d.type === 'DELETED') {
      if (i !== undefined) removed.add(i)
      index.delete(k)
      change.now = undefined
    } else if (i !== undefined) {
      next[i] = obj
      removed.delete(i)
      change.now = obj
    } else {
      index.set(k, next.length)
      next.push(obj)
      change.now = obj
    }
  }
  const out = removed.size ? next.filter((_, i) => !removed.has(i)) : next
  if (!removed.size) indexes.set(next, index)
  const changes = [...net.values()]
  if (changes.length <= PATCH_LIMIT) {
    const logs = [{ from: idOf(rows), changes }]
    for (const l of changeLogs.get(rows) ?? []) {
      if (logs.length === LOG_DEPTH) break
      const since = compose(l.changes, changes)
      if (since.length > PATCH_LIMIT) break
      logs.push({ from: l.from, changes: since })
    }
    changeLogs.set(out, logs)
  }
  idOf(out)
  return out
}

/** Colour of a STATUS cell. */
export function statusTone(s: string): 'ok' | 'warn' | 'bad' | 'neutral' {
  if (/^(Running|Ready|Active|Bound|Complete|Succeeded|Available|True)$/i.test(s)) return 'ok'
  if (/(Pending|ContainerCreating|Terminating|Unknown|Progressing|Degraded|SchedulingDisabled)/i.test(s)) return 'warn'
  if (/(Err|BackOff|Fail|NotReady|OOM|Invalid|Evicted|Lost|Unschedulable|Error|Unavailable|DeadlineExceeded)/i.test(s)) return 'bad'
  return 'neutral'
}
