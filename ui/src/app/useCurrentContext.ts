import { useParams } from 'react-router'
import { useClusters } from '../features/clusters/useClusters'
import { SETTING, useSetting } from '../features/settings/useSetting'

/** The context in the URL, else the one last used here, else the sidecar's current context. */
export function useCurrentContext(): string | undefined {
  const params = useParams()
  const last = useSetting<string>(SETTING.lastContext)
  const clusters = useClusters()
  return params.context ?? last.data ?? clusters.data?.current ?? undefined
}
