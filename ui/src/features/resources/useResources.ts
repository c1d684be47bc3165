import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef } from 'react'
import { subscribe, type Delta } from '../../api/live'
import { request, requestText } from '../../api/transport'
import { readAgain } from '../../api/readAgain'
import type { ClusterAction, EventList, Graph, KindStatus, ListResponse, Offered, OfferedList, Outcome, Submitted } from '../../api/types'
import { approvalsChanged } from '../approvals/useApprovals'
import { kindByName, kindPath } from './kinds'
import { applyDeltas, type Row } from './rows'

const base = (context: string) => `/api/v1/clusters/${encodeURIComponent(context)}`
export const objectPath = (context: string, kind: string, namespace: string | null | undefined, name: string) =>
  `${base(context)}/resources/${encodeURIComponent(kind)}/${encodeURIComponent(namespace || '_')}/${encodeURIComponent(name)}`

export interface ListFilter {
  namespace?: string
  labelSelector?: string
}

type ListPage = Omit<ListResponse, 'items'> & { items: Row[] }

/**
 * The rows of one kind, fetched once and then kept current by WebSocket deltas: no polling,
 * and the array identity changes only when something changed.
 */
export function useResourceList(context: string | undefined, kind: string, filter: ListFilter) {
  const qc = useQueryClient()
  const key = ['resources', context, kind, filter.namespace ?? '', filter.labelSelector ?? '']
  // The deltas that arrive while the list is being read. The sidecar may have answered before
  // they happened, so those numbered after the list's `seq` are applied to it when it lands
  // (applied only to the rows on screen, they would be lost when the read replaces them).
  const arriving = useRef<Delta[] | null>(null)
  // Where the list and the server's subscription each stand in the context's delta numbering. A
  // list read before the subscription took effect misses what changed in between: read again.
  const keyJson = JSON.stringify(key)
  const listAt = useRef<{ key: string; seq: number } | null>(null)
  const subscribedAt = useRef<{ key: string; seq: number } | null>(null)
  const missedBetween = () => {
    const list = listAt.current
    const sub = subscribedAt.current
    return !!list && !!sub && list.key === sub.key && list.seq < sub.seq
  }
  const query = useQuery({
    queryKey: key,
    enabled: !!context,
    staleTime: Infinity,
    // applyDeltas already keeps every unchanged row's object; a deep compare of 50,000 rows per
    // batch would only cost time (and lose the key index handed from array to array).
    structuralSharing: false,
    queryFn: async ({ signal }) => {
      const arrived: Delta[] = []
      arriving.current = arrived
      try {
        const rows: Row[] = []
        let seq: number | null | undefined
        let cont: string | undefined
        do {
          const page = await request<ListPage>('GET', `${base(context ?? '')}/resources/${encodeURIComponent(kind)}`, {
            query: { namespace: filter.namespace, labelSelector: filter.labelSelector, limit: 5000, continue: cont },
            signal,
          })
          // A custom resource read in one namespace has no sync state; only the all-namespaces
          // read says whether the kind is narrowed, so a filtered one must not forget it.
          if (!cont && (page.sync || !filter.namespace)) qc.setQueryData<KindStatus | null>(syncKey(context, kind), page.sync ?? null)
          // The first page's number: later pages were read later and hold at least as much.
          if (!cont) seq = page.seq
          rows.push(...page.items)
          cont = page.continue ?? undefined
        } while (cont)
        if (seq != null) {
          listAt.current = { key: keyJson, seq }
          // Once this answer is in place, not from within it (that would cancel it).
          if (missedBetween()) setTimeout(() => void readAgain(qc, key), 0)
        }
        // A label selector is the server's to apply: such a list is read again instead (below).
        return filter.labelSelector ? rows : applyDeltas(rows, arrived.filter((d) => seq == null || d.seq == null || d.seq > seq))
      } finally {
        if (arriving.current === arrived) arriving.current = null
      }
    },
  })
  useEffect(() => {
    if (!context) return
    return subscribe(
      { context, kind, namespace: filter.namespace },
      (deltas) => {
        // A label selector is applied by the server; read again rather than guess which rows match.
        if (filter.labelSelector) return void readAgain(qc, key)
        arriving.current?.push(...deltas)
        qc.setQueryData<Row[]>(key, (old) => (old ? applyDeltas(old, deltas) : old))
      },
      () => void readAgain(qc, key),
      (seq) => {
        subscribedAt.current = { key: keyJson, seq }
        // A list still on its way checks when it lands (above).
        if (missedBetween() && !arriving.current) void readAgain(qc, key)
      },
    )
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [context, kind, filter.namespace, filter.labelSelector, qc])
  return query
}

const syncKey = (context: string | undefined, kind: string) => ['kind-sync', context, kind]

/**
 * How the kind's cache stood when its list was last fetched. Read for what does not change with
 * each delta: a kind the credentials may not list (forbidden, with the API server's reason), or
 * one watched in the context's namespace only.
 */
export function useKindSync(context: string | undefined, kind: string): KindStatus | null {
  const q = useQuery<KindStatus | null>({ queryKey: syncKey(context, kind), queryFn: () => null, enabled: false, staleTime: Infinity })
  return q.data ?? null
}

/** The namespaces to offer in a picker, with the chosen one even when the list lacks it (not read yet, or not visible to the user). */
export function withChosen(names: string[] | undefined, chosen: string): string[] {
  return [...new Set([...(names ?? []), ...(chosen ? [chosen] : [])])].sort()
}

export function useNamespaces(context: string | undefined) {
  return useQuery({
    queryKey: ['resources', context, 'namespaces', '', ''],
    enabled: !!context,
    staleTime: 60_000,
    queryFn: async () => (await request<ListPage>('GET', `${base(context ?? '')}/resources/namespaces`)).items,
    select: (rows) => rows.map((r) => r.name).sort(),
  })
}

export function useObject(context: string, kind: string, namespace: string, name: string) {
  return useQuery({
    queryKey: ['object', context, kind, namespace, name],
    queryFn: () => request<Record<string, unknown>>('GET', objectPath(context, kind, namespace, name)),
  })
}

export function useObjectYaml(context: string, kind: string, namespace: string, name: string) {
  return useQuery({
    queryKey: ['object-yaml', context, kind, namespace, name],
    queryFn: () => requestText(objectPath(context, kind, namespace, name), { format: 'yaml' }, 'application/yaml'),
  })
}

export function useObjectEvents(context: string, kind: string, namespace: string, name: string) {
  return useQuery({
    queryKey: ['object-events', context, kind, namespace, name],
    queryFn: async () => (await request<EventList>('GET', `${objectPath(context, kind, namespace, name)}/events`)).items,
  })
}

/** The object's direct neighbours in the topology (without the object itself). */
export function useRelated(context: string, kind: string, namespace: string, name: string) {
  return useQuery({
    queryKey: ['object-related', context, kind, namespace, name],
    queryFn: () => request<Graph>('GET', `${objectPath(context, kind, namespace, name)}/related`),
    select: (g) => {
      const self = g.nodes.find((n) => n.name === name && (n.namespace ?? '_') === (namespace === '_' ? '_' : namespace) && kindPath(n.kind) === kind)
      return g.nodes
        .filter((n) => n !== self)
        .map((n) => ({ node: n, relation: g.edges.find((e) => (e.from === n.id && e.to === self?.id) || (e.to === n.id && e.from === self?.id))?.type }))
    },
  })
}

/** Each action offered on the object, with what RBAC and the safety policy say about it. */
export function useAllowedActions(context: string, kind: string, namespace: string, name: string) {
  return useQuery({
    queryKey: ['object-actions', context, kind, namespace, name],
    queryFn: async () => (await request<OfferedList>('GET', `${objectPath(context, kind, namespace, name)}/actions`)).items,
  })
}

/** Why an offered action may not run, or null when it may (perhaps after an approval). */
export function refusal(o: Offered): string | null {
  // The sidecar's reasons name who says no ("RBAC does not allow…", "…forbidden by the safety policy").
  if (!o.allowed_by_rbac) return /RBAC/.test(o.rbac) ? o.rbac : `RBAC does not allow it: ${o.rbac}`
  if (o.policy.decision === 'refused') return /policy/.test(o.policy.reason) ? o.policy.reason : `The safety policy refuses it: ${o.policy.reason}`
  return null
}

/** Runs an action on this object through the safety gate (the sidecar's kind for the object). */
export function useRunAction(context: string, kind: string, namespace: string, name: string) {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (action: ClusterAction) =>
      request<Submitted>('POST', `${base(context)}/actions`, {
        body: { kind: kindByName(kind)?.kind ?? kind, namespace: namespace === '_' ? null : namespace, name, action },
      }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['object', context, kind, namespace, name] })
      void qc.invalidateQueries({ queryKey: ['object-yaml', context, kind, namespace, name] })
      approvalsChanged(qc)
    },
  })
}

/** A server-side dry run of an apply: what would change, nothing is changed. */
export function useDryRun(context: string) {
  return useMutation({
    mutationFn: (yaml: string) => request<Outcome>('POST', `${base(context)}/apply/dry-run`, { body: { yaml } }),
  })
}
