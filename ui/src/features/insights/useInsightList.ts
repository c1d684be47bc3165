import { useQuery } from '@tanstack/react-query'
import { request } from '../../api/transport'
import { useTopic } from '../../api/useTopic'
import type { InsightList } from '../../api/types'

export type InsightState = 'open' | 'resolved' | 'all'

/**
 * The sidecar's insights: what its analyzers found as the watched objects changed. Re-read when
 * the sidecar's scan changes what the context's insights say (WebSocket `insights` topic).
 */
export function useInsightList(filter: { state: InsightState; context?: string }) {
  useTopic({ type: 'insights', context: filter.context }, [['insights', filter]])
  return useQuery({
    queryKey: ['insights', filter],
    queryFn: () => request<InsightList>('GET', '/api/v1/ai/insights', { query: { state: filter.state, context: filter.context, limit: 500 } }),
  })
}
