import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { request } from '../../api/transport'
import { useTopic } from '../../api/useTopic'
import type { AiStatus, Investigation, InvestigationList, ObjectRef, ProposedAction, ProposedFix, StartInvestigation, Started, Submitted } from '../../api/types'
import { approvalsChanged } from '../approvals/useApprovals'
import { kindPath } from '../resources/kinds'
import { objectPath } from '../resources/useResources'
import { planFix } from './fix'

const ACTIVE = new Set(['queued', 'gathering', 'analyzing', 'reasoning'])

/** `/api/v1/ai/status`: the provider in use (or why none is), usage and the safety level. */
export const aiStatusQuery = queryOptions({ queryKey: ['ai-status'], queryFn: () => request<AiStatus>('GET', '/api/v1/ai/status'), retry: false })

export function useAiStatus() {
  return useQuery(aiStatusQuery)
}

/** The history; re-read as any investigation moves on (WebSocket `investigations` topic). */
export function useInvestigations(filter: { state?: string; namespace?: string } = {}) {
  useTopic({ type: 'investigations' }, [['investigations']])
  return useQuery({
    queryKey: ['investigations', filter],
    queryFn: () => request<InvestigationList>('GET', '/api/v1/ai/investigations', { query: { limit: 200, ...filter } }),
    retry: false,
  })
}

/** One investigation; re-read at each step while it runs (WebSocket `investigations` topic). */
export function useInvestigation(id: string | undefined) {
  const running = useQuery({
    queryKey: ['investigation', id],
    enabled: !!id,
    queryFn: () => request<Investigation>('GET', `/api/v1/ai/investigations/${encodeURIComponent(id ?? '')}`),
  })
  // Followed until it ends (and from the start, so no step falls before the first read).
  const ended = running.data !== undefined && !ACTIVE.has(running.data.state)
  useTopic(id && !ended ? { type: 'investigations', investigation_id: id } : undefined, [['investigation', id]])
  return running
}

export function useStartInvestigation() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (body: StartInvestigation) => request<Started>('POST', '/api/v1/ai/investigations', { body }),
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

export function isActive(state: string): boolean {
  return ACTIVE.has(state)
}

/**
 * Approving a proposed fix. A fix the safety gate parked for approval (`approval_id`) is approved
 * where it waits; any other goes through the workbench's safety gate like a click on the object,
 * and the click is the approval when the gate asks for one.
 */
export function useApproveFix(context: string, investigationId: string) {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: async (proposed: ProposedAction): Promise<Submitted> => {
      if (proposed.approval_id) {
        return request<Submitted>('POST', `/api/v1/approvals/${encodeURIComponent(proposed.approval_id)}/approve`)
      }
      const fix: ProposedFix = proposed.action
      const plan = await planFix(fix, (t: ObjectRef) => request<Record<string, unknown>>('GET', objectPath(context, kindPath(t.kind), t.namespace, t.name)))
      if (typeof plan === 'string') throw new Error(plan)
      const submitted = await request<Submitted>('POST', `/api/v1/clusters/${encodeURIComponent(context)}/actions`, {
        body: { kind: plan.target.kind, namespace: plan.target.namespace ?? null, name: plan.target.name, action: plan.action },
      })
      if (submitted.state !== 'pending_approval') return submitted
      return request<Submitted>('POST', `/api/v1/approvals/${encodeURIComponent(submitted.approval_id)}/approve`)
    },
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: ['investigation', investigationId] })
      void qc.invalidateQueries({ queryKey: ['resources', context] })
      approvalsChanged(qc)
    },
  })
}

/** Rejecting a fix the safety gate parked for approval: the reason goes to the audit log. */
export function useRejectFix(investigationId: string) {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: ({ approvalId, reason }: { approvalId: string; reason: string }) =>
      request('POST', `/api/v1/approvals/${encodeURIComponent(approvalId)}/reject`, { body: { reason } }),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: ['investigation', investigationId] })
      approvalsChanged(qc)
    },
  })
}

export async function exportInvestigations(): Promise<string> {
  const r = await request<unknown>('GET', '/api/v1/ai/investigations/export')
  return JSON.stringify(r, null, 2)
}
