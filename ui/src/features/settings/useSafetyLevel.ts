import { useQueryClient } from '@tanstack/react-query'
import { aiStatusQuery, useAiStatus } from '../investigations/useInvestigations'
import { POLICY_SETTING, type SafetyLevel } from './safetyLevels'
import { usePutSetting } from './useSetting'

/**
 * The safety level the sidecar's gate uses now (`/api/v1/ai/status`), not merely the one stored:
 * an operator can pin it in the sidecar's environment, and then the UI shows that level and who
 * pinned it instead of offering a choice that would not apply. A choice applies at once.
 */
export function useSafetyLevel() {
  const status = useAiStatus()
  const put = usePutSetting<SafetyLevel>(POLICY_SETTING.autonomy)
  const qc = useQueryClient()
  const safety = status.data?.safety
  return {
    level: (safety?.autonomy_level ?? 1) as SafetyLevel,
    pinnedBy: safety?.pinned_by ?? null,
    loaded: !!safety,
    error: put.error ?? status.error,
    set: (l: SafetyLevel) => put.mutate(l, { onSettled: () => void qc.invalidateQueries({ queryKey: aiStatusQuery.queryKey }) }),
  }
}
