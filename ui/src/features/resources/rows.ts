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

function sortValue(r: Row, col: string): number | string {
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

export interface SortSpec {
  col: string
  desc: boolean
}

export function sortRows(rows: Row[], sort: SortSpec): Row[] {
  const dir = sort.desc ? -1 : 1
  const keyed = rows.map((r) => [sortValue(r, sort.col), r] as const)
  keyed.sort((a, b) => {
    const x = a[0]
    const y = b[0]
    let c = 0
    if (typeof x === 'number' && typeof y === 'number') c = (Number.isNaN(x) ? Infinity : x) - (Number.isNaN(y) ? Infinity : y)
    else c = String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0
    if (c === 0) c = rowKey(a[1]) < rowKey(b[1]) ? -1 : 1
    return c * dir
  })
  return keyed.map(([, r]) => r)
}

/** Free-text filter over name, namespace and every column. */
export function filterRows(rows: Row[], q: string): Row[] {
  const needle = q.trim().toLowerCase()
  if (!needle) return rows
  return rows.filter((r) => Object.values(r).some((v) => cell(v).toLowerCase().includes(needle)))
}

export interface RowDelta {
  type: 'ADDED' | 'MODIFIED' | 'DELETED'
  object: Record<string, unknown>
}

/** Applies a batch of deltas; returns the same array when nothing changed. */
export function applyDeltas(rows: Row[], deltas: RowDelta[]): Row[] {
  if (deltas.length === 0) return rows
  const index = new Map(rows.map((r, i) => [rowKey(r), i]))
  const next = rows.slice()
  const removed = new Set<number>()
  for (const d of deltas) {
    const obj = d.object as Row
    if (!obj.name) continue
    const k = rowKey(obj)
    const i = index.get(k)
    if (d.type === 'DELETED') {
      if (i !== undefined) removed.add(i)
      index.delete(k)
    } else if (i !== undefined) {
      next[i] = obj
      removed.delete(i)
    } else {
      index.set(k, next.length)
      next.push(obj)
    }
  }
  return removed.size ? next.filter((_, i) => !removed.has(i)) : next
}

/** Colour of a STATUS cell. */
export function statusTone(s: string): 'ok' | 'warn' | 'bad' | 'neutral' {
  if (/^(Running|Ready|Active|Bound|Complete|Succeeded|Available|True)$/i.test(s)) return 'ok'
  if (/(Pending|ContainerCreating|Terminating|Unknown|Progressing|SchedulingDisabled)/i.test(s)) return 'warn'
  if (/(Err|BackOff|Fail|NotReady|OOM|Invalid|Evicted|Lost|Unschedulable|Error)/i.test(s)) return 'bad'
  return 'neutral'
}
