import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { request } from '../../api/transport'
import type { ClusterList } from '../../api/types'

export function useClusters() {
  return useQuery({
    queryKey: ['clusters'],
    queryFn: () => request<ClusterList>('GET', '/api/v1/clusters'),
    select: (d) => ({ items: d.items, current: d.current ?? d.items.find((c) => c.current)?.name ?? null, problems: d.problems }),
    retry: false,
  })
}

export function useImportKubeconfig() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (body: { yaml?: string; path?: string; name?: string }) => request<{ contexts: string[] }>('POST', '/api/v1/clusters/import', { body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['clusters'] }),
  })
}

export function useApproveExec() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: ({ context, sha256 }: { context: string; sha256: string }) =>
      request('POST', `/api/v1/clusters/${encodeURIComponent(context)}/approve-plugin`, { body: { sha256 } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['clusters'] }),
  })
}

export function useSwitchContext() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (context: string) => request('POST', `/api/v1/clusters/${encodeURIComponent(context)}/switch`),
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
