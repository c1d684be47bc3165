import { Fragment, useEffect, useMemo, useRef, useState } from 'react'
import { Link, useNavigate, useParams } from 'react-router'
import { errorMessage } from '../../api/error'
import { useStartInvestigation } from '../investigations/useInvestigations'
import { outcomeOf, type Outcome } from '../actions/outcome'
import { usePageCommands, type Command } from '../palette/pageCommands'
import { factsOf } from './facts'
import { objectRoute, pluralKind, useKindDef } from './kinds'
import { LogsTab } from './LogsTab'
import { YamlTab } from './YamlTab'
import type { Offered, Submitted } from '../../api/types'
import { refusal, useAllowedActions, useObject, useObjectEvents, useRelated, useRunAction } from './useResources'
import { Time } from '../../app/Time'

const TABS = ['Summary', 'YAML', 'Events', 'Logs', 'Related'] as const
type Tab = (typeof TABS)[number]

export default function ResourceDetail() {
  const { context = '', kind = '', namespace = '_', name = '' } = useParams()
  // The route keeps this page when only the object changes (a link to a related object, the
  // palette, Back): the open tab, an unsaved YAML draft and the logs' choices belong to one object,
  // so another object gets a fresh page, never the last one's draft under its Apply button.
  return <ObjectPage key={[context, kind, namespace, name].join('\u0000')} context={context} kind={kind} namespace={namespace} name={name} />
}

function ObjectPage({ context, kind, namespace, name }: { context: string; kind: string; namespace: string; name: string }) {
  const obj = useObject(context, kind, namespace, name)
  const [tab, setTab] = useState<Tab>('Summary')
  const def = useKindDef(context, kind)
  const tabs = useMemo(() => TABS.filter((t) => t !== 'Logs' || kind === 'pods'), [kind])
  const ns = namespace === '_' ? undefined : namespace
  const label = `${def?.kind ?? kind} ${name}`
  const tabCommands = useMemo<Command[]>(
    () => tabs.map((t) => ({ id: `tab-${t}`, label: `Show ${t} of ${label}`, hint: 'view', run: () => setTab(t) })),
    [tabs, label],
  )
  const investigate = useInvestigate({ context, kind: def?.kind ?? kind, namespace: ns, name })

  return (
    <div className="page">
      <nav aria-label="Breadcrumb" className="muted small">
        <Link to={`/c/${encodeURIComponent(context)}/resources/${kind}`}>{def?.kind ? pluralKind(def.kind) : kind}</Link>
        {ns && <> / {ns}</>}
      </nav>
      <div className="row-between">
        <h1>
          {def?.kind ?? kind} {name}
        </h1>
        <InvestigateButton investigate={investigate} />
      </div>
      <Actions context={context} kind={kind} namespace={namespace} name={name} extra={tabCommands} investigate={investigate} label={label} />
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
        {tab === 'YAML' && <YamlTab context={context} kind={kind} namespace={namespace} name={name} label={label} />}
        {tab === 'Events' && <Events context={context} kind={kind} namespace={namespace} name={name} />}
        {tab === 'Logs' && <LogsTab context={context} namespace={namespace} name={name} pod={obj.data} />}
        {tab === 'Related' && <Related context={context} kind={kind} namespace={namespace} name={name} />}
      </div>
    </div>
  )
}

/** Starts an investigation of this object and opens it. */
function useInvestigate(target: { context: string; kind: string; namespace?: string; name: string }) {
  const start = useStartInvestigation()
  const navigate = useNavigate()
  const run = async () => {
    const r = await start
      .mutateAsync({ context: target.context, target: { kind: target.kind, namespace: target.namespace ?? null, name: target.name } })
      .catch(() => null)
    if (r) navigate(`/investigations/${encodeURIComponent(r.investigation_id)}`)
  }
  return { run, pending: start.isPending, error: start.error }
}
type Investigate = ReturnType<typeof useInvestigate>

function InvestigateButton({ investigate }: { investigate: Investigate }) {
  return (
    <div>
      <button type="button" className="primary" data-testid="investigate" disabled={investigate.pending} onClick={() => void investigate.run()}>
        Investigate
      </button>
      {investigate.error && <p className="error small">{errorMessage(investigate.error)}</p>}
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
        <dd>{meta.creationTimestamp && <Time at={meta.creationTimestamp} />}</dd>
        {factsOf(String(obj.kind ?? ''), obj).map(([label, value]) => (
          <Fragment key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </Fragment>
        ))}
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
          <th>Last seen</th>
          <th>Count</th>
          <th>Message</th>
        </tr>
      </thead>
      <tbody>
        {ev.data.map((e, i) => (
          <tr key={i} className={e.type === 'Warning' ? 'warning-row' : ''}>
            <td>{e.type}</td>
            <td>{e.reason}</td>
            <td>{e.last_seen ? <Time at={e.last_seen} /> : e.first_seen ? <Time at={e.first_seen} /> : null}</td>
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
  if (!rel.data?.length)
    return (
      <p className="muted" data-testid="no-related">
        Nothing links to it: no owner or owned objects, no pods selected, nothing it mounts or routes to.
        {p.kind === 'services' && ' No pod carries the labels its selector asks for, so it has no endpoints.'}
      </p>
    )
  return (
    <ul>
      {(rel.data ?? []).map(({ node: r, relation }) => (
        <li key={r.id}>
          <Link to={objectRoute(p.context, r.kind, r.namespace, r.name)}>
            {r.kind} {r.name}
          </Link>{' '}
          <span className="muted">{relation}</span> <span className={`status-${r.health === 'healthy' ? 'ok' : 'warn'}`}>{r.reason}</span>
        </li>
      ))}
    </ul>
  )
}

const LABELS: Record<string, string> = {
  scale: 'Scale',
  rollout_restart: 'Restart',
  rollback: 'Roll back',
  delete_pod: 'Delete',
  cordon: 'Cordon',
  uncordon: 'Uncordon',
  drain: 'Drain',
}

/** As every screen says it, except that an applied action here is its summary alone. */
function submittedText(r: Submitted): Outcome {
  return r.state === 'applied' ? { ok: true, text: r.outcome.summary } : outcomeOf(r)
}

/**
 * The actions this user may take, and for the others why not (RBAC or the safety policy). The
 * allowed ones, with the page's other commands, are offered to the command palette too.
 */
function Actions(p: { context: string; kind: string; namespace: string; name: string; label: string; extra: Command[]; investigate: Investigate }) {
  const actions = useAllowedActions(p.context, p.kind, p.namespace, p.name)
  const run = useRunAction(p.context, p.kind, p.namespace, p.name)
  const [msg, setMsg] = useState<Outcome | null>(null)
  const shown = useMemo(() => (actions.data ?? []).filter((o) => o.action.type !== 'edit' && o.action.type !== 'apply'), [actions.data])

  /** Asks what it must (replicas; a confirmation for what cannot be undone), then submits. */
  const act = async (o: Offered) => {
    const type = o.action.type
    let action = o.action
    if (action.type === 'scale') {
      const n = window.prompt(`Scale ${p.name} to how many replicas?`, '1')
      if (n === null || !/^\d+$/.test(n.trim())) return
      action = { type: 'scale', replicas: Number(n.trim()) }
    } else if (/delete|drain/.test(type) && !window.confirm(`${LABELS[type] ?? type} ${p.name}?`)) return
    setMsg(null)
    try {
      setMsg(submittedText(await run.mutateAsync(action)))
    } catch (e) {
      setMsg({ ok: false, text: errorMessage(e) })
    }
  }
  const actRef = useLatest(act)
  const investigateRef = useLatest(p.investigate.run)

  const commands = useMemo<Command[]>(
    () => [
      { id: 'investigate-object', label: `Investigate ${p.label}`, hint: 'action', run: () => void investigateRef.current() },
      ...shown
        .filter((o) => !refusal(o))
        .map((o) => ({
          id: `action-${o.action.type}`,
          label: `${LABELS[o.action.type] ?? o.action.type} ${p.label}`,
          hint: o.policy.decision === 'needs_approval' ? 'action, needs approval' : 'action',
          run: () => void actRef.current(o),
        })),
      ...p.extra,
    ],
    [shown, p.label, p.extra, actRef, investigateRef],
  )
  usePageCommands(commands)

  if (actions.error) return <p className="muted small">{errorMessage(actions.error)}</p>
  if (!shown.length) return null
  return (
    <div className="stack actions">
      <div className="row" role="toolbar" aria-label="Actions">
        {shown.map((o) => {
          const type = o.action.type
          const label = LABELS[type] ?? type
          const why = refusal(o)
          const approval = o.policy.decision === 'needs_approval' ? o.policy.reason : null
          return (
            <span key={type} className="action">
              <button
                type="button"
                disabled={!!why || run.isPending}
                aria-describedby={why ? `why-${type}` : approval ? `approval-${type}` : undefined}
                className={/delete|drain/.test(type) ? 'danger' : ''}
                onClick={() => void act(o)}
              >
                {label}
              </button>
              {why && (
                <span id={`why-${type}`} className="muted small why">
                  {why}
                </span>
              )}
              {!why && approval && (
                <span id={`approval-${type}`} className="visually-hidden">
                  {approval}
                </span>
              )}
            </span>
          )
        })}
      </div>
      {msg && (
        <p role={msg.ok ? 'status' : 'alert'} className={msg.ok ? '' : 'error'} data-testid="action-result">
          {msg.text}
          {msg.pending && (
            <>
              {' '}
              <Link to="/approvals">Review it under Approvals</Link>
            </>
          )}
        </p>
      )}
    </div>
  )
}

/** A ref that always holds the latest `value`: stable commands that still call this render's handler. */
function useLatest<T>(value: T) {
  const ref = useRef(value)
  useEffect(() => {
    ref.current = value
  })
  return ref
}
