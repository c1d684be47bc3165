import { errorMessage } from '../../api/error'
import { SafetyLevelPicker } from './SafetyLevelPicker'
import { useSafetyLevel } from './useSafetyLevel'

/** The level in force, to change, or why it cannot be changed here. */
export function SafetyLevelControl() {
  const safety = useSafetyLevel()
  return (
    <>
      <SafetyLevelPicker value={safety.level} onChange={safety.set} disabled={!!safety.pinnedBy} />
      {safety.pinnedBy && (
        <p className="muted" role="note">
          Set by {safety.pinnedBy} where the Kubilitics backend runs; change it there and restart the backend.
        </p>
      )}
      {safety.error && (
        <p className="error" role="alert">
          {errorMessage(safety.error)}
        </p>
      )}
    </>
  )
}
