export const STEPS = [
  { id: 'connect', title: 'Connect a cluster' },
  { id: 'safety', title: 'Safety' },
  { id: 'ai', title: 'AI provider' },
  { id: 'database', title: 'Database' },
] as const

export type StepId = (typeof STEPS)[number]['id']

/** Stored under the `ui.wizard` setting, so the wizard resumes where it was left. */
export interface WizardProgress {
  step: StepId
  finished: boolean
  skipped: StepId[]
}

export function nextStep(step: StepId): StepId | null {
  const i = STEPS.findIndex((s) => s.id === step)
  return STEPS[i + 1]?.id ?? null
}

export function advance(p: WizardProgress, from: StepId, skipped: boolean): WizardProgress {
  const next = nextStep(from)
  const skippedSet = new Set(p.skipped)
  if (skipped) skippedSet.add(from)
  else skippedSet.delete(from)
  return { step: next ?? from, finished: next === null || p.finished, skipped: [...skippedSet] }
}

export const INITIAL: WizardProgress = { step: 'connect', finished: false, skipped: [] }
