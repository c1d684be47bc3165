import { useQuery } from '@tanstack/react-query'
import { useSyncExternalStore } from 'react'
import { api, sidecarReachability, unwrap } from '../../api/transport'
import type { components } from '../../api/schema'

export type Health = components['schemas']['Health']
export type DependencyState = components['schemas']['DependencyState']

/**
 * /health has no watch, so it is the one thing polled: often while the sidecar is unreachable
 * (so the banner clears soon after it is back), rarely otherwise.
 */
export function useHealth() {
  const reachable = useSidecarReachable()
  return useQuery({
    queryKey: ['health'],
    queryFn: async () => unwrap(await api.GET('/health')),
    refetchInterval: reachable ? 10_000 : 2_000,
    retry: false,
  })
}

export function useSidecarReachable(): boolean {
  return useSyncExternalStore(sidecarReachability.subscribe, sidecarReachability.get)
}
