import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect } from 'react'
import { subscribe } from '../../api/live'
import { readAgain } from '../../api/readAgain'
import { request } from '../../api/transport'
import type { Edge, Graph } from '../../api/types'

export type { TopoNode } from '../../api/types'
export type TopoEdge = Edge

/** How long changes are gathered before the graph is read again: a rollout is one redraw, not dozens. */
export const REDRAW_AFTER_MS = 2000

/**
 * The graph from the topology API, read again when the watch caches report a change in its
 * scope (any kind, the namespace or the cluster), at most once per `REDRAW_AFTER_MS`.
 */
export function useTopology(context: string, filter: { namespace?: string; root?: string; depth?: number }) {
  const qc = useQueryClient()
  const namespace = filter.namespace
  useEffect(() => {
    if (!context) return
    let timer: ReturnType<typeof setTimeout> | null = null
    const redraw = () => {
      timer ??= setTimeout(() => {
        timer = null
        // A read in flight may have been answered before the change: read again once it has
        // landed (a whole cluster's graph may take long under churn; it is never cancelled).
        void readAgain(qc, ['topology', context])
      }, REDRAW_AFTER_MS)
    }
    const stop = subscribe({ context, kind: '*', namespace }, redraw, redraw)
    return () => {
      stop()
      if (timer) clearTimeout(timer)
    }
  }, [context, namespace, qc])
  return useQuery({
    queryKey: ['topology', context, filter],
    queryFn: () =>
      request<Graph>('GET', `/api/v1/clusters/${encodeURIComponent(context)}/topology`, {
        query: { namespace: filter.namespace, root: filter.root, depth: filter.depth },
      }),
    // The previous graph stays on screen while the next is read: no blank flash on a redraw.
    placeholderData: (previous) => previous,
  })
}
