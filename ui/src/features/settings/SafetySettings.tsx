import { SafetyLevelPicker } from './SafetyLevelPicker'
import { POLICY_SETTING, type SafetyLevel } from './safetyLevels'
import { usePutSetting, useSetting } from './useSetting'

export default function SafetySettings() {
  const level = useSetting<SafetyLevel>(POLICY_SETTING.autonomy)
  const put = usePutSetting<SafetyLevel>(POLICY_SETTING.autonomy)
  return (
    <section className="card" aria-labelledby="safety-title">
      <h3 id="safety-title">Safety policy</h3>
      <SafetyLevelPicker value={level.data ?? 1} onChange={(l) => put.mutate(l)} />
      <p className="muted">
        Whatever the level, operations your policy forbids (deleting PVCs, Secrets or PersistentVolumes) never run, changes in protected
        namespaces (kube-system, kube-node-lease, kube-public) always wait for approval, and every change is written to the audit log.
      </p>
    </section>
  )
}
