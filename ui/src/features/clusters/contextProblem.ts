import type { ClusterList } from '../../api/types'

/**
 * What is wrong with the context the page is about, in words that say what to do, or null when
 * nothing is (or the contexts are not known yet). A context may be missing because a link or the
 * last session named one that has since been renamed or removed from the kubeconfigs.
 */
export function contextProblem(context: string | undefined, clusters: Pick<ClusterList, 'items'> | undefined): string | null {
  if (!context || !clusters) return null
  const current = clusters.items.find((c) => c.name === context)
  if (!current) {
    return `There is no context named "${context}" in the kubeconfigs Kubilitics reads: it may have been renamed or removed. Pick another one in the context switcher, or add one in Settings › Contexts.`
  }
  if (current.reachable === false) {
    return `Cluster "${current.name}" is unreachable: ${current.failure?.message ?? 'no answer'}. Check your network/VPN and the kubeconfig, or pick another context.`
  }
  return null
}
