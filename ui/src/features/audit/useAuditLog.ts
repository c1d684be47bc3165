import { useInfiniteQuery } from '@tanstack/react-query'
import { api, unwrap } from '../../api/transport'
import type { components } from '../../api/schema'

/** One line of the audit log (`GET /api/v1/audit`), as the sidecar stored it. */
export type AuditRecord = components['schemas']['AuditRecord']
export type AuditList = components['schemas']['AuditList']

/** Records per request (the sidecar allows up to 1000). */
export const AUDIT_PAGE = 100

/**
 * The audit log, newest first, a page at a time: each next page asks for the records older than
 * the last one shown (`before`), so records written meanwhile neither repeat nor hide a row. The
 * sidecar has no filter parameters, so the page filters what is loaded. Re-read whenever the page
 * is shown: an action taken elsewhere in the app adds a record, and no WebSocket message
 * announces it.
 */
export function useAuditLog(pageSize = AUDIT_PAGE) {
  return useInfiniteQuery({
    queryKey: ['audit', pageSize],
    initialPageParam: undefined as number | undefined,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(await api.GET('/api/v1/audit', { params: { query: { limit: pageSize, before: pageParam } }, signal })),
    getNextPageParam: (last, pages) => {
      const loaded = pages.reduce((n, p) => n + p.items.length, 0)
      return last.items.length > 0 && loaded < last.total ? last.items[last.items.length - 1]?.id : undefined
    },
    staleTime: 0,
  })
}

/** The loaded pages as one list, newest first, each id once (a re-read page may overlap). */
export function mergePages(pages: AuditList[] | undefined): AuditRecord[] {
  const seen = new Set<number>()
  const out: AuditRecord[] = []
  for (const p of pages ?? []) {
    for (const r of p.items) {
      if (seen.has(r.id)) continue
      seen.add(r.id)
      out.push(r)
    }
  }
  return out.sort((a, b) => b.id - a.id)
}

/** "Node default/web-1", "Deployment shop/checkout", or '' when the record names no object. */
export function targetLabel(r: AuditRecord): string {
  const obj = [r.namespace, r.name].filter(Boolean).join('/')
  return [r.kind, obj].filter(Boolean).join(' ')
}

/** Whether a record matches a free-text filter (any field the table shows, case-insensitive). */
export function matchesText(r: AuditRecord, text: string): boolean {
  const q = text.trim().toLowerCase()
  if (!q) return true
  const fields = [r.at, r.actor, r.decision, r.operation, r.context, r.kind, r.namespace, r.name, targetLabel(r), r.result, r.reason, r.request_id, r.action_id]
  return fields.some((f) => typeof f === 'string' && f.toLowerCase().includes(q))
}

/**
 * Decisions the safety gate writes (`interrupted`: the sidecar stopped while the change was being
 * made, audited at its next start); others that show up in the log are offered too.
 */
export const KNOWN_DECISIONS = ['allowed', 'needs_approval', 'approved', 'refused', 'rejected', 'interrupted']

export function decisionTone(d: string): string {
  if (d === 'allowed' || d === 'approved') return 'pill-ok'
  if (d === 'needs_approval' || d === 'interrupted') return 'pill-warn'
  if (d === 'refused' || d === 'rejected') return 'pill-bad'
  return 'pill-neutral'
}
