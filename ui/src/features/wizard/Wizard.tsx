import { useEffect, useRef, useState } from 'react'
import { useNavigate, useParams } from 'react-router'
import { errorMessage } from '../../api/error'
import { ConnectionBanner } from '../health/ConnectionBanner'
import { ContextPicker } from '../clusters/ContextPicker'
import { KubeconfigImport } from '../clusters/KubeconfigImport'
import { useClusters } from '../clusters/useClusters'
import { LlmProviderForm } from '../settings/AiSettings'
import DatabaseSettings from '../settings/DatabaseSettings'
import { SafetyLevelControl } from '../settings/SafetyLevelControl'
import { useTheme } from '../settings/theme'
import { SETTING, usePutSetting, useSetting } from '../settings/useSetting'
import { advance, INITIAL, STEPS, type StepId, type WizardProgress } from './steps'
import { useStartSandbox } from './useSandbox'

/** First launch: connect a cluster, then safety, AI and database. Every step can be skipped. */
export default function Wizard() {
  useTheme()
  const params = useParams()
  const navigate = useNavigate()
  const progress = useSetting<WizardProgress>(SETTING.wizard)
  const put = usePutSetting<WizardProgress>(SETTING.wizard)
  const putLast = usePutSetting<string>(SETTING.lastContext)
  const [picked, setPicked] = useState<string | null>(null)
  const heading = useRef<HTMLHeadingElement>(null)
  const p = progress.data ?? INITIAL
  const step = (STEPS.some((s) => s.id === params.step) ? params.step : p.step) as StepId

  useEffect(() => heading.current?.focus(), [step])

  async function go(from: StepId, skipped: boolean) {
    const next = advance(p, from, skipped)
    await put.mutateAsync(next).catch(() => undefined)
    if (from === 'database') {
      const ctx = picked
      navigate(ctx ? `/c/${encodeURIComponent(ctx)}/overview` : '/', { replace: true })
    } else {
      navigate(`/welcome/${next.step}`)
    }
  }

  function onPicked(ctx: string) {
    setPicked(ctx)
    putLast.mutate(ctx)
    void go('connect', false)
  }

  const index = STEPS.findIndex((s) => s.id === step)
  return (
    <div className="wizard">
      <ConnectionBanner />
      <header>
        <h1 className="brand-large">Welcome to Kubilitics</h1>
        <ol className="steps" aria-label="Setup steps">
          {STEPS.map((s, i) => (
            <li key={s.id} aria-current={s.id === step ? 'step' : undefined} className={i < index ? 'done' : ''}>
              <button type="button" className="link" onClick={() => navigate(`/welcome/${s.id}`)}>
                {i + 1}. {s.title}
              </button>
            </li>
          ))}
        </ol>
      </header>
      <section className="card wizard-card" aria-labelledby="step-title">
        <h2 id="step-title" tabIndex={-1} ref={heading}>
          {STEPS[index]?.title}
        </h2>
        {step === 'connect' && <ConnectStep onPicked={onPicked} />}
        {step === 'safety' && <SafetyStep />}
        {step === 'ai' && (
          <>
            <p>Optional. Kubilitics investigates with built-in analyzers; an LLM digs further, within a budget you set.</p>
            <LlmProviderForm />
          </>
        )}
        {step === 'database' && <DatabaseSettings />}
        <div className="row wizard-nav">
          {index > 0 && (
            <button type="button" onClick={() => navigate(`/welcome/${STEPS[index - 1]?.id}`)}>
              Back
            </button>
          )}
          <span className="spacer" />
          <button type="button" onClick={() => go(step, true)} data-testid="wizard-skip">
            Skip{step === 'database' ? ' and finish' : ''}
          </button>
          <button type="button" className="primary" onClick={() => go(step, false)} data-testid="wizard-next">
            {step === 'database' ? 'Finish' : 'Continue'}
          </button>
        </div>
        <p className="muted small">You can revisit every step later in Settings.</p>
      </section>
    </div>
  )
}

function ConnectStep({ onPicked }: { onPicked: (ctx: string) => void }) {
  const clusters = useClusters()
  const sandbox = useStartSandbox()
  const none = !clusters.isLoading && (clusters.data?.items.length ?? 0) === 0
  return (
    <div className="stack">
      <div>
        <h3>Contexts found on this machine</h3>
        <ContextPicker onPicked={onPicked} />
      </div>
      <div className={`sandbox-offer ${none ? 'prominent' : ''}`}>
        <h3>No cluster at hand?</h3>
        <p>Try the built-in sandbox: a small demo shop cluster with a few planted faults for Kubilitics to find. It runs inside Kubilitics and touches nothing else.</p>
        <button
          type="button"
          className={none ? 'primary' : ''}
          data-testid="try-sandbox"
          disabled={sandbox.isPending}
          onClick={async () => {
            const ctx = await sandbox.mutateAsync().catch(() => null)
            if (ctx) onPicked(ctx)
          }}
        >
          {sandbox.isPending ? 'Starting the sandbox…' : 'Try the built-in sandbox cluster'}
        </button>
        {sandbox.error && (
          <p className="error" role="alert">
            {errorMessage(sandbox.error)}
          </p>
        )}
      </div>
      <details>
        <summary>Import a kubeconfig (paste or file)</summary>
        <KubeconfigImport />
      </details>
    </div>
  )
}

function SafetyStep() {
  return (
    <>
      <p>Kubilitics can propose fixes and, if you let it, apply some of them. Choose how far it may go. Level 1 is the safe start.</p>
      <SafetyLevelControl />
    </>
  )
}
