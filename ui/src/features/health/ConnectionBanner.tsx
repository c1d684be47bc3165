import { useSidecarReachable, useHealth } from './useHealth'

/**
 * A banner when the sidecar (or the current cluster) cannot be reached. It is rendered in a
 * fixed-height slot so the page below does not jump when it appears or goes away.
 */
export function ConnectionBanner({ clusterProblem }: { clusterProblem?: string | null }) {
  const reachable = useSidecarReachable()
  useHealth()
  let text: string | null = null
  if (!reachable) {
    text =
      'Cannot reach the Kubilitics backend. Reconnecting… If this lasts, check that `kubilitics serve` (or the desktop app) is still running.'
  } else if (clusterProblem) {
    text = clusterProblem
  }
  return (
    <div className="banner-slot" aria-live="polite">
      {text && (
        <div role="alert" className="banner banner-error" data-testid="connection-banner">
          {text}
        </div>
      )}
    </div>
  )
}
