import { useQuery } from '@tanstack/react-query'
import { request } from '../../api/transport'
import type { Edge, Graph } from '../../api/types'

export type { TopoNode } from '../../api/types'
export type TopoEdge = Edge

export function useTopology(context: string, filter: { namespace?: string; root?: string; depth?: number }) {
  return useQuery({
    queryKey: ['topology', context, filter],
    queryFn: () =>
      request<Graph>('GET', `/api/v1/clusters/${encodeURIComponent(context)}/topology`, {
        query: { namespace: filter.namespace, root: filter.root, depth: filter.depth },
      }),
  })
}
