import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { request } from '../../api/transport'
import type { AiStatus, Insight, Investigation, ObjectRef } from '../../api/pending'

const ACTIVE = new Set(['queued', 'gathering', 'analyzing', 'reasoning'])

export function useAiStatus() {
  return useQuery({ queryKey: ['ai-status'], queryFn: () => request<AiStatus>('GET', '/api/v1/ai/status'), retry: false })
}

export function useInvestigations(filter: { state?: string; namespace?: string } = {}) {
  return useQuery({
    queryKey: ['investigations', filter],
    queryFn: () =>
      request<{ items: Investigation[]; total: number }>('GET', '/api/v1/ai/investigations', { query: { limit: 200, ...filter } }),
    retry: false,
  })
}

/** One investigation; refreshed while it runs (progress also arrives over the WebSocket). */
export function useInvestigation(id: string | undefined) {
  return useQuery({
    queryKey: ['investigation', id],
    enabled: !!id,
    queryFn: () => request<Investigation>('GET', `/api/v1/ai/investigations/${encodeURIComponent(id ?? '')}`),
    refetchInterval: (q) => (q.state.data && ACTIVE.has(q.state.data.state) ? 1000 : false),
  })
}

export function useStartInvestigation() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (body: { context: string; target?: ObjectRef; question?: string }) =>
      request<{ investigation_id: string }>('POST', '/api/v1/ai/investigations', { body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['investigations'] }),
  })
}

export function useCancelInvestigation() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (id: string) => request('POST', `/api/v1/ai/investigations/${encodeURIComponent(id)}/cancel`),
    onSuccess: (_d, id) => qc.invalidateQueries({ queryKey: ['investigation', id] }),
  })
}

export function useInsights() {
  return useQuery({
    queryKey: ['insights'],
    queryFn: () => request<{ items: Insight[] } | Insight[]>('GET', '/api/v1/ai/insights'),
    select: (d) => (Array.isArray(d) ? d : d.items),
    retry: false,
  })
}

export function isActive(state: string): boolean {
  return ACTIVE.has(state)
}

/** Approve or reject a proposed action (the safety gate's approvals API). */
export function useDecide(investigationId: string) {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: ({ id, decision, reason }: { id: string; decision: 'approve' | 'reject'; reason?: string }) =>
      request<{ status?: string; result?: string; message?: string }>('POST', `/api/v1/approvals/${encodeURIComponent(id)}/${decision}`, {
        body: reason ? { reason } : {},
      }),
    onSettled: () => qc.invalidateQueries({ queryKey: ['investigation', investigationId] }),
  })
}

export async function exportInvestigations(): Promise<string> {
  const r = await request<unknown>('GET', '/api/v1/ai/investigations/export')
  return JSON.stringify(r, null, 2)
}
