import { Navigate } from 'react-router'
import { useClusters } from '../features/clusters/useClusters'
import { SETTING, useSetting } from '../features/settings/useSetting'
import type { WizardProgress } from '../features/wizard/steps'

/** `/`: the wizard on first launch, else the last (or current) context's overview. */
export function Home() {
  const wizard = useSetting<WizardProgress>(SETTING.wizard)
  const last = useSetting<string>(SETTING.lastContext)
  const clusters = useClusters()
  if (wizard.isLoading || last.isLoading || clusters.isLoading) return <p className="page">Loading…</p>
  if (wizard.error) return null // the banner says what is wrong
  if (!wizard.data?.finished) return <Navigate to="/welcome" replace />
  const names = clusters.data?.items.map((c) => c.name) ?? []
  const ctx = last.data && (names.length === 0 || names.includes(last.data)) ? last.data : (clusters.data?.current ?? names[0])
  if (ctx) return <Navigate to={`/c/${encodeURIComponent(ctx)}/overview`} replace />
  return <Navigate to="/settings/contexts" replace />
}
