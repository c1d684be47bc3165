import { useQueryClient, type QueryClient, type QueryKey } from '@tanstack/react-query'
import { useEffect } from 'react'
import { followTopic, type Topic } from './live'

/**
 * While the calling component is mounted, re-reads the queries under `keys` whenever the sidecar
 * says `topic` changed (and after a reconnect, when a change may have been missed): the list stays
 * current without a timer. `topic` undefined follows nothing.
 */
export function useTopic(topic: Topic | undefined, keys: QueryKey[]) {
  const qc = useQueryClient()
  // Serialised, so callers may pass literals without re-subscribing on every render.
  const topicJson = topic ? JSON.stringify(topic) : undefined
  const keysJson = JSON.stringify(keys)
  useEffect(() => {
    if (!topicJson) return
    const refresh = () => {
      for (const queryKey of JSON.parse(keysJson) as QueryKey[]) void readAgain(qc, queryKey)
    }
    return followTopic(JSON.parse(topicJson) as Topic, refresh, refresh)
  }, [topicJson, keysJson, qc])
}

/**
 * Reads the queries under `queryKey` again, after the change just announced. An invalidation
 * alone restarts a refetch in flight, but joins a first read in flight (one with no data yet),
 * and that read may have been answered before the change: its stale answer would then stand
 * until the next announcement, which may never come (an investigation that has concluded).
 * So what is in flight is cancelled first, and every read starts after the announcement.
 */
export async function readAgain(qc: QueryClient, queryKey: QueryKey) {
  await qc.cancelQueries({ queryKey })
  await qc.invalidateQueries({ queryKey })
}
