import { useQueryClient, type QueryKey } from '@tanstack/react-query'
import { useEffect } from 'react'
import { followTopic, type Topic } from './live'
import { readAgain } from './readAgain'

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
