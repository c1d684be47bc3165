import { useQuery } from '@tanstack/react-query'
import { request } from '../../api/transport'
import type { InsightList } from '../../api/types'

export type InsightState = 'open' | 'resolved' | 'all'

/** The sidecar's insights: what its analyzers found as the watched objects changed. */
export function useInsightList(filter: { state: InsightState; context?: string }) {
  return useQuery({
    queryKey: ['insights', filter],
    queryFn: () => request<InsightList>('GET', '/api/v1/ai/insights', { query: { state: filter.state, context: filter.context, limit: 500 } }),
    // The scan runs in the sidecar and no WebSocket message announces its results, so the list
    // is re-read: a page opened before the scan finished would otherwise never show them.
    refetchInterval: 10_000,
  })
}
