import { lazy, Suspense, useState } from 'react'
import { Link } from 'react-router'
import { outcomeOf, type Outcome } from '../actions/outcome'
import { errorMessage } from '../../api/error'
import { useDryRun, useObjectYaml, useRunAction } from './useResources'

const YamlEditor = lazy(() => import('./YamlEditor'))

/** View, edit, diff against the live object, server-side dry run, apply. `label`: the object as people say it ("ConfigMap app-config"). */
export function YamlTab({ context, kind, namespace, name, label }: { context: string; kind: string; namespace: string; name: string; label: string }) {
  const live = useObjectYaml(context, kind, namespace, name)
  const run = useRunAction(context, kind, namespace, name)
  const dryRun_ = useDryRun(context)
  const [mode, setMode] = useState<'view' | 'edit' | 'diff'>('view')
  const [draft, setDraft] = useState<string | null>(null)
  const [result, setResult] = useState<Outcome | null>(null)

  if (live.isLoading) return <p>Loading YAML…</p>
  if (live.error) return <p className="error">{errorMessage(live.error)}</p>
  const text = draft ?? live.data ?? ''

  async function apply(dryRun: boolean) {
    setResult(null)
    try {
      if (dryRun) {
        const r = await dryRun_.mutateAsync(text)
        setResult({ ok: true, text: `Server-side dry run passed: ${r.summary}${r.diff ? `\n${r.diff}` : ''}` })
        return
      }
      const r = await run.mutateAsync({ type: 'apply', yaml: text })
      setResult(outcomeOf(r))
      if (r.state === 'applied') {
        setDraft(null)
        setMode('view')
        // The sidecar reads from its watch cache, which hears of the change a moment later.
        const before = live.data
        for (let i = 0; i < 10 && (await live.refetch()).data === before; i++) await new Promise((res) => setTimeout(res, 300))
      }
    } catch (e) {
      setResult({ ok: false, text: errorMessage(e) })
    }
  }

  return (
    <div className="stack">
      <div className="row" role="toolbar" aria-label="YAML">
        <button type="button" aria-pressed={mode === 'view'} onClick={() => setMode('view')}>
          View
        </button>
        <button
          type="button"
          aria-pressed={mode === 'edit'}
          onClick={() => {
            setDraft(text)
            setMode('edit')
          }}
        >
          Edit
        </button>
        <button type="button" aria-pressed={mode === 'diff'} disabled={draft === null} onClick={() => setMode('diff')}>
          Diff against live
        </button>
        <span className="spacer" />
        {draft !== null && (
          <>
            <button type="button" onClick={() => apply(true)} disabled={run.isPending || dryRun_.isPending}>
              Dry run
            </button>
            <button type="button" className="primary" onClick={() => apply(false)} disabled={run.isPending || dryRun_.isPending}>
              Apply
            </button>
            <button
              type="button"
              onClick={() => {
                setDraft(null)
                setMode('view')
                setResult(null)
              }}
            >
              Discard
            </button>
          </>
        )}
      </div>
      {result && (
        <pre role={result.ok ? 'status' : 'alert'} className={result.ok ? 'ok-box' : 'error'} data-testid="apply-result">
          {result.text}
        </pre>
      )}
      {result?.pending && <Link to="/approvals">Review it under Approvals</Link>}
      <Suspense fallback={<pre>{text}</pre>}>
        {/* The editor owns its text once created: a new key shows a newer live object. */}
        {mode === 'view' && <YamlEditor key={`view-${live.dataUpdatedAt}`} value={live.data ?? ''} readOnly label={`YAML of ${label}`} />}
        {mode === 'edit' && <YamlEditor key="edit" value={text} onChange={setDraft} label={`Edit YAML of ${label}`} />}
        {mode === 'diff' && <YamlEditor key="diff" value={text} original={live.data ?? ''} onChange={setDraft} label={`Edited YAML of ${label}`} />}
      </Suspense>
    </div>
  )
}
