import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { request } from '../../api/transport'
import type { ClusterContext } from '../../api/pending'

export function useClusters() {
  return useQuery({
    queryKey: ['clusters'],
    queryFn: () => request<{ items: ClusterContext[]; current?: string | null } | ClusterContext[]>('GET', '/api/v1/clusters'),
    select: (d) => {
      const items = (Array.isArray(d) ? d : d.items).map((c) => ({ ...c, name: c.name ?? c.context ?? '' }))
      const current = Array.isArray(d) ? items.find((c) => c.current)?.name : (d.current ?? items.find((c) => c.current)?.name)
      return { items, current: current ?? null }
    },
    retry: false,
  })
}

export function useImportKubeconfig() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (body: { yaml?: string; path?: string; name?: string }) => request<{ contexts?: string[] }>('POST', '/api/v1/clusters/import', { body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['clusters'] }),
  })
}

export function useApproveExec() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: ({ context, command }: { context: string; command: string }) =>
      request('POST', `/api/v1/clusters/${encodeURIComponent(context)}/exec-approval`, { body: { command } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['clusters'] }),
  })
}

export function useSwitchContext() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (context: string) => request('PUT', '/api/v1/clusters/current', { body: { context } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['clusters'] }),
  })
}

export function useRemoveContext() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (context: string) => request('DELETE', `/api/v1/clusters/${encodeURIComponent(context)}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['clusters'] }),
  })
}
