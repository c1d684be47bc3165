import { useParams } from 'react-router'
import { useClusters } from '../features/clusters/useClusters'
import { SETTING, useSetting } from '../features/settings/useSetting'

/**
 * The context in the URL, else the one last used here (unless the kubeconfigs no longer have
 * it), else the sidecar's current context.
 */
export function useCurrentContext(): string | undefined {
  const params = useParams()
  const last = useSetting<string>(SETTING.lastContext)
  const clusters = useClusters()
  const known = clusters.data?.items
  const lastKnown = last.data && (!known || known.some((c) => c.name === last.data)) ? last.data : undefined
  return params.context ?? lastKnown ?? clusters.data?.current ?? undefined
}
