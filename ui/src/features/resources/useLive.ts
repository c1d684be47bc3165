import { useQueryClient } from '@tanstack/react-query'
import { useEffect } from 'react'
import { onMessage } from '../../api/live'

/**
 * App-wide live effects: investigation progress and cluster connectivity messages refresh the
 * queries they concern. Resource tables subscribe to their own kind (see useResourceList).
 */
export function useLiveUpdates(context: string | undefined) {
  const qc = useQueryClient()
  useEffect(() => {
    if (!context) return
    return onMessage((m) => {
      const t = String(m.type ?? '')
      if (t.startsWith('investigation')) {
        const id = (m.investigation_id ?? m.id) as string | undefined
        if (id) void qc.invalidateQueries({ queryKey: ['investigation', id] })
        void qc.invalidateQueries({ queryKey: ['investigations'] })
      } else if (t.startsWith('cluster') || t === 'context_status') {
        void qc.invalidateQueries({ queryKey: ['clusters'] })
      } else if (t.startsWith('insight')) {
        void qc.invalidateQueries({ queryKey: ['insights'] })
      }
    })
  }, [context, qc])
}
