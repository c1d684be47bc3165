import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect } from 'react'
import { subscribe } from '../../api/live'
import { request, requestText } from '../../api/transport'
import { applyDeltas, type Row } from './rows'

const base = (context: string) => `/api/v1/clusters/${encodeURIComponent(context)}`
export const objectPath = (context: string, kind: string, namespace: string | null | undefined, name: string) =>
  `${base(context)}/resources/${encodeURIComponent(kind)}/${encodeURIComponent(namespace || '_')}/${encodeURIComponent(name)}`

export interface ListFilter {
  namespace?: string
  labelSelector?: string
}

interface ListPage {
  items: Row[]
  total?: number
  continue?: string | null
}

/**
 * The rows of one kind, fetched once and then kept current by WebSocket deltas: no polling,
 * and the array identity changes only when something changed.
 */
export function useResourceList(context: string | undefined, kind: string, filter: ListFilter) {
  const qc = useQueryClient()
  const key = ['resources', context, kind, filter.namespace ?? '', filter.labelSelector ?? '']
  const query = useQuery({
    queryKey: key,
    enabled: !!context,
    staleTime: Infinity,
    queryFn: async ({ signal }) => {
      const rows: Row[] = []
      let cont: string | undefined
      do {
        const page = await request<ListPage>('GET', `${base(context ?? '')}/resources/${encodeURIComponent(kind)}`, {
          query: { namespace: filter.namespace, labelSelector: filter.labelSelector, limit: 5000, continue: cont },
          signal,
        })
        rows.push(...page.items)
        cont = page.continue ?? undefined
      } while (cont)
      return rows
    },
  })
  useEffect(() => {
    if (!context) return
    return subscribe(
      { context, kind, namespace: filter.namespace },
      (deltas) => {
        // A label selector is applied by the server; refetch rather than guess which rows match.
        if (filter.labelSelector) return void qc.invalidateQueries({ queryKey: key })
        qc.setQueryData<Row[]>(key, (old) => (old ? applyDeltas(old, deltas) : old))
      },
      () => void qc.invalidateQueries({ queryKey: key }),
    )
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [context, kind, filter.namespace, filter.labelSelector, qc])
  return query
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

export interface EventRow {
  type?: string
  reason?: string
  message?: string
  count?: number
  last_seen?: string
  age?: string
  source?: string
}

export function useObjectEvents(context: string, kind: string, namespace: string, name: string) {
  return useQuery({
    queryKey: ['object-events', context, kind, namespace, name],
    queryFn: async () => {
      const r = await request<{ items: EventRow[] } | EventRow[]>('GET', `${objectPath(context, kind, namespace, name)}/events`)
      return Array.isArray(r) ? r : r.items
    },
  })
}

export interface RelatedRef {
  kind: string
  namespace?: string | null
  name: string
  relation?: string
  health?: string
}

export function useRelated(context: string, kind: string, namespace: string, name: string) {
  return useQuery({
    queryKey: ['object-related', context, kind, namespace, name],
    queryFn: async () => {
      const r = await request<{ items: RelatedRef[] } | RelatedRef[]>('GET', `${objectPath(context, kind, namespace, name)}/related`)
      return Array.isArray(r) ? r : r.items
    },
  })
}

export interface ActionInfo {
  action: string
  label?: string
  allowed: boolean
  reason?: string | null
  needs_approval?: boolean
  params?: Record<string, unknown>
}

export function useAllowedActions(context: string, kind: string, namespace: string, name: string) {
  return useQuery({
    queryKey: ['object-actions', context, kind, namespace, name],
    queryFn: async () => {
      const r = await request<{ items: ActionInfo[] } | ActionInfo[]>('GET', `${objectPath(context, kind, namespace, name)}/actions`)
      return Array.isArray(r) ? r : r.items
    },
  })
}

export interface ActionResult {
  status?: string
  result?: string
  message?: string
  approval_id?: string
  diff?: string
  dry_run?: boolean
}

export function useRunAction(context: string, kind: string, namespace: string, name: string) {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (body: { action: string; params?: Record<string, unknown>; dry_run?: boolean }) =>
      request<ActionResult>('POST', `${objectPath(context, kind, namespace, name)}/actions`, { body }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['object', context, kind, namespace, name] })
      void qc.invalidateQueries({ queryKey: ['object-yaml', context, kind, namespace, name] })
    },
  })
}
