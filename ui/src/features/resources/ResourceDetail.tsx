import { useState } from 'react'
import { Link, useNavigate, useParams } from 'react-router'
import { errorMessage } from '../../api/error'
import { useStartInvestigation } from '../investigations/useInvestigations'
import { kindByName, kindPath } from './kinds'
import { LogsTab } from './LogsTab'
import { YamlTab } from './YamlTab'
import { useAllowedActions, useObject, useObjectEvents, useRelated, useRunAction } from './useResources'

const TABS = ['Summary', 'YAML', 'Events', 'Logs', 'Related'] as const
type Tab = (typeof TABS)[number]

export default function ResourceDetail() {
  const { context = '', kind = '', namespace = '_', name = '' } = useParams()
  const obj = useObject(context, kind, namespace, name)
  const [tab, setTab] = useState<Tab>('Summary')
  const def = kindByName(kind)
  const tabs = TABS.filter((t) => t !== 'Logs' || kind === 'pods')
  const ns = namespace === '_' ? undefined : namespace

  return (
    <div className="page">
      <nav aria-label="Breadcrumb" className="muted small">
        <Link to={`/c/${encodeURIComponent(context)}/resources/${kind}`}>{def?.kind ?? kind}s</Link>
        {ns && <> / {ns}</>}
      </nav>
      <div className="row-between">
        <h1>
          {def?.kind ?? kind} {name}
        </h1>
        <InvestigateButton context={context} kind={def?.kind ?? kind} namespace={ns} name={name} />
      </div>
      <Actions context={context} kind={kind} namespace={namespace} name={name} />
      <div role="tablist" aria-label="Object views" className="tabs">
        {tabs.map((t) => (
          <button
            key={t}
            role="tab"
            type="button"
            id={`tab-${t}`}
            aria-selected={tab === t}
            aria-controls={`panel-${t}`}
            tabIndex={tab === t ? 0 : -1}
            onClick={() => setTab(t)}
            onKeyDown={(e) => {
              const i = tabs.indexOf(t)
              if (e.key === 'ArrowRight') setTab(tabs[(i + 1) % tabs.length] ?? t)
              if (e.key === 'ArrowLeft') setTab(tabs[(i - 1 + tabs.length) % tabs.length] ?? t)
            }}
          >
            {t}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tabpanel">
        {obj.error && tab === 'Summary' && <p className="error">{errorMessage(obj.error)}</p>}
        {tab === 'Summary' && obj.data && <Summary obj={obj.data} />}
        {tab === 'YAML' && <YamlTab context={context} kind={kind} namespace={namespace} name={name} />}
        {tab === 'Events' && <Events context={context} kind={kind} namespace={namespace} name={name} />}
        {tab === 'Logs' && <LogsTab context={context} namespace={namespace} name={name} pod={obj.data} />}
        {tab === 'Related' && <Related context={context} kind={kind} namespace={namespace} name={name} />}
      </div>
    </div>
  )
}

function InvestigateButton(props: { context: string; kind: string; namespace?: string; name: string }) {
  const start = useStartInvestigation()
  const navigate = useNavigate()
  return (
    <div>
      <button
        type="button"
        className="primary"
        data-testid="investigate"
        disabled={start.isPending}
        onClick={async () => {
          const r = await start
            .mutateAsync({ context: props.context, target: { kind: props.kind, namespace: props.namespace, name: props.name } })
            .catch(() => null)
          if (r) navigate(`/investigations/${encodeURIComponent(r.investigation_id)}`)
        }}
      >
        Investigate
      </button>
      {start.error && <p className="error small">{errorMessage(start.error)}</p>}
    </div>
  )
}

function Summary({ obj }: { obj: Record<string, unknown> }) {
  const meta = (obj.metadata ?? {}) as { labels?: Record<string, string>; annotations?: Record<string, string>; creationTimestamp?: string; ownerReferences?: { kind: string; name: string }[] }
  const status = (obj.status ?? {}) as { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[]; containerStatuses?: { name: string; ready: boolean; restartCount: number; state?: Record<string, { reason?: string; message?: string }> }[] }
  return (
    <div className="stack">
      <dl className="kv-list">
        {status.phase && (
          <>
            <dt>Phase</dt>
            <dd>{status.phase}</dd>
          </>
        )}
        <dt>Created</dt>
        <dd>{meta.creationTimestamp}</dd>
        {meta.ownerReferences?.length ? (
          <>
            <dt>Owned by</dt>
            <dd>{meta.ownerReferences.map((o) => `${o.kind}/${o.name}`).join(', ')}</dd>
          </>
        ) : null}
        <dt>Labels</dt>
        <dd>
          {Object.entries(meta.labels ?? {}).map(([k, v]) => (
            <span key={k} className="tag">
              {k}={v}
            </span>
          ))}
        </dd>
      </dl>
      {status.containerStatuses && (
        <table className="simple">
          <caption>Containers</caption>
          <thead>
            <tr>
              <th>Name</th>
              <th>Ready</th>
              <th>Restarts</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {status.containerStatuses.map((c) => {
              const [state, detail] = Object.entries(c.state ?? {})[0] ?? ['', {}]
              return (
                <tr key={c.name}>
                  <td>{c.name}</td>
                  <td>{c.ready ? 'yes' : 'no'}</td>
                  <td>{c.restartCount}</td>
                  <td>
                    {state} {detail?.reason} <span className="muted">{detail?.message}</span>
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      {status.conditions && (
        <table className="simple">
          <caption>Conditions</caption>
          <thead>
            <tr>
              <th>Type</th>
              <th>Status</th>
              <th>Reason</th>
              <th>Message</th>
            </tr>
          </thead>
          <tbody>
            {status.conditions.map((c) => (
              <tr key={c.type}>
                <td>{c.type}</td>
                <td>{c.status}</td>
                <td>{c.reason}</td>
                <td>{c.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}

function Events(p: { context: string; kind: string; namespace: string; name: string }) {
  const ev = useObjectEvents(p.context, p.kind, p.namespace, p.name)
  if (ev.isLoading) return <p>Loading events…</p>
  if (ev.error) return <p className="error">{errorMessage(ev.error)}</p>
  if (!ev.data?.length) return <p className="muted">No events in the recent window.</p>
  return (
    <table className="simple" data-testid="events">
      <thead>
        <tr>
          <th>Type</th>
          <th>Reason</th>
          <th>Age</th>
          <th>Count</th>
          <th>Message</th>
        </tr>
      </thead>
      <tbody>
        {ev.data.map((e, i) => (
          <tr key={i} className={e.type === 'Warning' ? 'warning-row' : ''}>
            <td>{e.type}</td>
            <td>{e.reason}</td>
            <td>{e.age ?? e.last_seen}</td>
            <td>{e.count}</td>
            <td>{e.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function Related(p: { context: string; kind: string; namespace: string; name: string }) {
  const rel = useRelated(p.context, p.kind, p.namespace, p.name)
  if (rel.isLoading) return <p>Loading related objects…</p>
  if (rel.error) return <p className="error">{errorMessage(rel.error)}</p>
  return (
    <ul>
      {(rel.data ?? []).map((r) => (
        <li key={`${r.kind}/${r.namespace}/${r.name}`}>
          <Link to={`/c/${encodeURIComponent(p.context)}/resources/${kindPath(r.kind)}/${encodeURIComponent(r.namespace || '_')}/${encodeURIComponent(r.name)}`}>
            {r.kind} {r.name}
          </Link>{' '}
          <span className="muted">{r.relation}</span>
        </li>
      ))}
    </ul>
  )
}

/** The actions this user may take, and for the others why not. */
function Actions(p: { context: string; kind: string; namespace: string; name: string }) {
  const actions = useAllowedActions(p.context, p.kind, p.namespace, p.name)
  const run = useRunAction(p.context, p.kind, p.namespace, p.name)
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null)
  if (!actions.data?.length) return null
  return (
    <div className="stack actions">
      <div className="row" role="toolbar" aria-label="Actions">
        {actions.data
          .filter((a) => a.action !== 'apply')
          .map((a) => (
            <span key={a.action} className="action">
              <button
                type="button"
                disabled={!a.allowed || run.isPending}
                aria-describedby={a.allowed ? undefined : `why-${a.action}`}
                className={/delete|drain/.test(a.action) ? 'danger' : ''}
                onClick={async () => {
                  if (/delete|drain/.test(a.action) && !window.confirm(`${a.label ?? a.action} ${p.name}?`)) return
                  setMsg(null)
                  try {
                    const r = await run.mutateAsync({ action: a.action, params: a.params })
                    setMsg({ ok: true, text: r.approval_id ? `Waiting for approval (${r.approval_id}).` : (r.message ?? r.result ?? 'Done.') })
                  } catch (e) {
                    setMsg({ ok: false, text: errorMessage(e) })
                  }
                }}
              >
                {a.label ?? a.action}
              </button>
              {!a.allowed && a.reason && (
                <span id={`why-${a.action}`} className="muted small why">
                  {a.reason}
                </span>
              )}
            </span>
          ))}
      </div>
      {msg && (
        <p role={msg.ok ? 'status' : 'alert'} className={msg.ok ? '' : 'error'} data-testid="action-result">
          {msg.text}
        </p>
      )}
    </div>
  )
}
