import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query'
import { request } from '../../api/transport'
import { useTopic } from '../../api/useTopic'
import type { components } from '../../api/schema'
import type { Submitted } from '../../api/types'

export type PendingApproval = components['schemas']['PendingApproval']
type PendingList = components['schemas']['PendingList']
type ActionRecord = components['schemas']['ActionRecord']

const KEY = ['approvals'] as const
const AUDIT = ['audit'] as const

/**
 * Changes waiting for a person's approval (`GET /api/v1/approvals`), oldest first: the user's own
 * (delete_pod and the policy's other `require_approval` operations, anything in a protected
 * namespace) and the AI's. Re-read when the sidecar announces one requested or decided (the
 * WebSocket's `approvals` topic: by this app, the AI, or another client of a shared sidecar).
 */
export function usePendingApprovals() {
  useTopic({ type: 'approvals' }, [KEY, AUDIT])
  return useQuery({
    queryKey: KEY,
    queryFn: async () => (await request<PendingList>('GET', '/api/v1/approvals')).items,
  })
}

/** Tells the approvals list (and the audit log) that a change was submitted or decided. */
export function approvalsChanged(qc: QueryClient) {
  void qc.invalidateQueries({ queryKey: KEY })
  void qc.invalidateQueries({ queryKey: AUDIT })
}

/** Approve (the change runs now, through the safety gate) or reject (with a reason, kept in the audit log). */
export function useDecide() {
  const qc = useQueryClient()
  const settled = () => {
    approvalsChanged(qc)
    // The object the change touched is shown fresh wherever it is open.
    void qc.invalidateQueries({ predicate: (q) => typeof q.queryKey[0] === 'string' && q.queryKey[0].startsWith('object') })
  }
  const approve = useMutation({
    mutationFn: (id: string) => request<Submitted>('POST', `/api/v1/approvals/${encodeURIComponent(id)}/approve`),
    onSettled: settled,
  })
  const reject = useMutation({
    mutationFn: ({ id, reason }: { id: string; reason: string }) =>
      request<ActionRecord>('POST', `/api/v1/approvals/${encodeURIComponent(id)}/reject`, { body: { reason } }),
    onSettled: settled,
  })
  return { approve, reject }
}
