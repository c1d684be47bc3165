import { useMutation, useQueryClient } from '@tanstack/react-query'
import { request } from '../../api/transport'
import type { SandboxStarted } from '../../api/types'

/** Starts the sidecar's built-in sandbox cluster (idempotent), connects it, returns its context. */
export function useStartSandbox() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: async () => (await request<SandboxStarted>('POST', '/api/v1/sandbox')).context,
    onSuccess: () => qc.invalidateQueries({ queryKey: ['clusters'] }),
  })
}
