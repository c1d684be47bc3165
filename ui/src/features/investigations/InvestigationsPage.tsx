import { useState } from 'react'
import { Link, useNavigate, useSearchParams } from 'react-router'
import { errorMessage } from '../../api/error'
import { useCurrentContext } from '../../app/useCurrentContext'
import { exportInvestigations, isActive, useInvestigations, useStartInvestigation } from './useInvestigations'
import { Time } from '../../app/Time'
import { useNamespaces, withChosen } from '../resources/useResources'

const STATES = ['', 'queued', 'gathering', 'analyzing', 'reasoning', 'concluded', 'failed', 'timed_out', 'cancelled']

/** " matching these filters" when any filter is set. */
function filtersText(state: string, namespace: string): string {
  const parts = [state && `in state ${state}`, namespace && `in namespace ${namespace}`].filter(Boolean)
  return parts.length ? ` ${parts.join(' ')}` : ''
}

export default function InvestigationsPage() {
  const [params, setParams] = useSearchParams()
  const state = params.get('state') ?? ''
  const namespace = params.get('namespace') ?? ''
  const list = useInvestigations({ state: state || undefined, namespace: namespace || undefined })
  const current = useCurrentContext()
  const namespaces = useNamespaces(current)
  const items = list.data?.items ?? []
  // The history spans every context: the same Deployment in staging and in production reads alike,
  // so the context is shown as soon as one listed investigation is not the current context's.
  const showContext = items.some((i) => i.context !== current)
  const [exportMsg, setExportMsg] = useState<string | null>(null)

  async function doExport() {
    try {
      const text = await exportInvestigations()
      const a = document.createElement('a')
      a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }))
      a.download = 'kubilitics-investigations.json'
      a.click()
      URL.revokeObjectURL(a.href)
    } catch (e) {
      setExportMsg(errorMessage(e))
    }
  }

  return (
    <div className="page stack">
      <div className="row-between">
        <h1>Investigations</h1>
        <button type="button" onClick={doExport}>
          Export all (JSON)
        </button>
      </div>
      {exportMsg && <p className="error">{exportMsg}</p>}
      <StartForm defaultScope={params.get('start') === 'cluster' ? 'cluster' : 'namespace'} />
      <div className="row" role="search">
        <label>
          State{' '}
          <select value={state} onChange={(e) => setParams((p) => (e.target.value ? p.set('state', e.target.value) : p.delete('state'), p))}>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s || 'any'}
              </option>
            ))}
          </select>
        </label>
        <label>
          Namespace{' '}
          <select value={namespace} onChange={(e) => setParams((p) => (e.target.value ? p.set('namespace', e.target.value) : p.delete('namespace'), p))}>
            <option value="">any</option>
            {withChosen(namespaces.data, namespace).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </div>
      {!!list.data && list.data.total > items.length && (
        <p className="muted" data-testid="investigations-more">
          The newest {items.length} of {list.data.total} investigations{filtersText(state, namespace)}: narrow by state or namespace, or export all of them as
          JSON.
        </p>
      )}
      {list.error ? (
        <p className="error">{errorMessage(list.error)}</p>
      ) : (
        <table className="simple" data-testid="investigations">
          <thead>
            <tr>
              <th>Target</th>
              {showContext && <th>Context</th>}
              <th>State</th>
              <th>Root cause</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {list.isSuccess && items.length === 0 && (
              <tr>
                <td colSpan={4} className="muted" data-testid="investigations-empty">
                  No investigations{filtersText(state, namespace)} yet. Start one above, or press Investigate on any object that looks wrong.
                </td>
              </tr>
            )}
            {items.map((i) => (
              <tr key={i.investigation_id}>
                <td>
                  <Link to={`/investigations/${encodeURIComponent(i.investigation_id)}`}>
                    {i.target?.kind ? `${i.target.kind} ${i.target.namespace ? i.target.namespace + '/' : ''}${i.target.name}` : i.target?.namespace ? `namespace ${i.target.namespace}` : 'whole cluster'}
                  </Link>
                </td>
                {showContext && <td>{i.context}</td>}
                <td>{isActive(i.state) ? <span className="pill pill-warn">{i.state}…</span> : i.state}</td>
                <td>{i.root_cause && <code>{i.root_cause.code}</code>}</td>
                <td className="muted">
                  <Time at={i.created_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}

function StartForm({ defaultScope }: { defaultScope: 'cluster' | 'namespace' }) {
  const context = useCurrentContext()
  const namespaces = useNamespaces(context)
  const start = useStartInvestigation()
  const navigate = useNavigate()
  const [scope, setScope] = useState<'cluster' | 'namespace'>(defaultScope)
  const [ns, setNs] = useState('')
  const [question, setQuestion] = useState('')
  if (!context) return <p className="muted">Pick a context to start an investigation.</p>
  // A namespace investigation needs its namespace: never the whole cluster by omission.
  const ready = scope === 'cluster' || ns !== ''
  return (
    <form
      className="card row"
      onSubmit={async (e) => {
        e.preventDefault()
        if (!ready) return
        const r = await start
          .mutateAsync({ context, target: scope === 'namespace' ? { namespace: ns } : undefined, question: question || undefined })
          .catch(() => null)
        if (r) navigate(`/investigations/${encodeURIComponent(r.investigation_id)}`)
      }}
    >
      <strong>Investigate</strong>
      <label>
        <input type="radio" checked={scope === 'cluster'} onChange={() => setScope('cluster')} /> the whole cluster
      </label>
      <label>
        <input type="radio" checked={scope === 'namespace'} onChange={() => setScope('namespace')} /> namespace
      </label>
      <label className="visually-hidden" htmlFor="inv-ns">
        Namespace to investigate
      </label>
      <select id="inv-ns" value={ns} onChange={(e) => setNs(e.target.value)} disabled={scope !== 'namespace'}>
        <option value="">choose a namespace…</option>
        {withChosen(namespaces.data, ns).map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
      <label className="visually-hidden" htmlFor="inv-q">
        Question
      </label>
      <input id="inv-q" value={question} onChange={(e) => setQuestion(e.target.value)} placeholder="What is wrong? (optional)" />
      <button type="submit" className="primary" disabled={start.isPending || !ready} title={ready ? undefined : 'Choose the namespace to investigate, or the whole cluster'}>
        Start
      </button>
      {start.error && <span className="error">{errorMessage(start.error)}</span>}
    </form>
  )
}
