import { useMutation, useQueryClient } from '@tanstack/react-query'
import { request } from '../../api/transport'

/** Starts the sidecar's built-in sandbox cluster and returns its context name. */
export function useStartSandbox() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: async () => {
      const r = await request<{ context?: string } | null>('POST', '/api/v1/sandbox')
      return r?.context ?? 'kubilitics-sandbox'
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: ['clusters'] }),
  })
}
