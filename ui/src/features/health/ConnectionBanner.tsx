import { useSidecarReachable, useHealth } from './useHealth'

/**
 * A banner when the sidecar (or the current cluster) cannot be reached. The backend's is laid
 * over the top of the page, so a reconnect that comes and goes does not make the page jump; a
 * problem with the context stays until the user acts, so it takes its own room and leaves the
 * page's heading and filters in sight.
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
    <div className={reachable && clusterProblem ? 'banner-slot banner-slot-flow' : 'banner-slot'} aria-live="polite">
      {text && (
        <div role="alert" className="banner banner-error" data-testid="connection-banner">
          {text}
        </div>
      )}
    </div>
  )
}
