import { useQuery } from '@tanstack/react-query'
import { request } from '../../api/transport'

export interface TopoNode {
  id: string
  kind: string
  namespace?: string | null
  name: string
  health?: string
  reason?: string | null
}
export interface TopoEdge {
  from?: string
  to?: string
  source?: string
  target?: string
  type?: string
}

export function useTopology(context: string, filter: { namespace?: string; root?: string; depth?: number }) {
  return useQuery({
    queryKey: ['topology', context, filter],
    queryFn: () =>
      request<{ nodes: TopoNode[]; edges: TopoEdge[] }>('GET', `/api/v1/clusters/${encodeURIComponent(context)}/topology`, {
        query: { namespace: filter.namespace, root: filter.root, depth: filter.depth },
      }),
  })
}
