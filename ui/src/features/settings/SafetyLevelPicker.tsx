import { SAFETY_LEVELS, type SafetyLevel } from './safetyLevels'

export function SafetyLevelPicker({ value, onChange, disabled = false }: { value: SafetyLevel; onChange: (l: SafetyLevel) => void; disabled?: boolean }) {
  return (
    <fieldset className="choices" disabled={disabled}>
      <legend>How much may Kubilitics change on its own?</legend>
      {SAFETY_LEVELS.map((l) => (
        <label key={l.level} className={`choice ${value === l.level ? 'selected' : ''}`}>
          <input type="radio" name="safety-level" value={l.level} checked={value === l.level} onChange={() => onChange(l.level)} />
          <span>
            <strong>
              Level {l.level}: {l.title}
            </strong>
            <span className="block">{l.summary}</span>
            <span className="block muted">Best for: {l.bestFor}</span>
          </span>
        </label>
      ))}
    </fieldset>
  )
}
