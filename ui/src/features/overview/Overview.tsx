import { useMemo } from 'react'
import { Link, useParams } from 'react-router'
import { errorMessage } from '../../api/error'
import { useInsightList } from '../insights/useInsightList'
import { cell, statusTone, type Row } from '../resources/rows'
import type { KindStatus } from '../../api/types'
import { objectRoute, useKindDef } from '../resources/kinds'
import { useKindSync, useResourceList } from '../resources/useResources'

/** Nodes, namespaces, workload health, warnings, recent events and insights, all live. */
export default function Overview() {
  const { context = '' } = useParams()
  const pods = useResourceList(context, 'pods', {})
  const nodes = useResourceList(context, 'nodes', {})
  const namespaces = useResourceList(context, 'namespaces', {})
  const deployments = useResourceList(context, 'deployments', {})
  const events = useResourceList(context, 'events', {})
  const insights = useInsightList({ state: 'open', context })
  const sync = {
    pods: useKindSync(context, 'pods'),
    nodes: useKindSync(context, 'nodes'),
    namespaces: useKindSync(context, 'namespaces'),
    deployments: useKindSync(context, 'deployments'),
    events: useKindSync(context, 'events'),
  }
  // A user bound to one namespace sees that one; say so once rather than let counts mislead.
  const only = Object.values(sync).find((s) => s?.namespace)?.namespace
  const c = `/c/${encodeURIComponent(context)}`

  const podRows = pods.data ?? NO_ROWS
  // Two passes over every pod (50,000 in a large cluster): only when the pod list changes, not on
  // each render another list's update causes.
  const failing = useMemo(() => podRows.filter(isProblem), [podRows])
  const byStatus = useMemo(() => countBy(podRows, (p) => cell(p.status) || 'Unknown'), [podRows])
  const notReadyNodes = (nodes.data ?? []).filter((n) => !/^Ready/.test(cell(n.status)))
  const unavailable = (deployments.data ?? []).filter((d) => {
    const [a, b] = cell(d.ready).split('/')
    return a !== b
  })
  const eventRows = events.data ?? NO_ROWS
  const warnings = useMemo(() => eventRows.filter((e) => cell(e.type) === 'Warning'), [eventRows])
  // The list comes in name order; "recent" means last seen (RFC 3339 strings sort as times).
  const recentWarnings = useMemo(
    () => [...warnings].sort((a, b) => cell(b.last_seen).localeCompare(cell(a.last_seen))).slice(0, RECENT_WARNINGS),
    [warnings],
  )
  const morePods = failing.length - SHOWN_PROBLEMS
  const moreDeployments = unavailable.length - SHOWN_PROBLEMS
  const firstError = [pods, nodes].find((q) => q.error)?.error

  return (
    <div className="page stack">
      <h1>Overview · {context}</h1>
      {firstError && <p className="error">{errorMessage(firstError)}</p>}
      {only && (
        <p className="muted" role="status" data-testid="overview-narrowed">
          Namespace {only} only: your credentials may not list every namespace, so this overview counts what is in {only}.
        </p>
      )}
      <div className="tiles">
        <Tile label="Nodes" value={nodes.data?.length} sync={sync.nodes} bad={notReadyNodes.length} badLabel="not ready" to={`${c}/resources/nodes`} />
        <Tile label="Namespaces" value={namespaces.data?.length} sync={sync.namespaces} to={`${c}/resources/namespaces`} />
        <Tile label="Pods" value={podRows.length} sync={sync.pods} bad={failing.length} badLabel="not running" to={`${c}/resources/pods`} />
        <Tile
          label="Deployments"
          value={deployments.data?.length}
          sync={sync.deployments}
          bad={unavailable.length}
          badLabel="unavailable"
          to={`${c}/resources/deployments`}
        />
        <Tile label="Warnings" value={warnings.length} sync={sync.events} to={`${c}/resources/events`} />
      </div>
      <section className="card" aria-labelledby="problems-title">
        <h2 id="problems-title">Workloads that need attention</h2>
        {failing.length === 0 && unavailable.length === 0 ? (
          <p className="muted">{pods.isLoading ? 'Loading…' : 'Every pod is running.'}</p>
        ) : (
          <table className="simple" data-testid="problems">
            <thead>
              <tr>
                <th>Object</th>
                <th>Namespace</th>
                <th>Status</th>
                <th>Restarts</th>
              </tr>
            </thead>
            <tbody>
              {failing.slice(0, SHOWN_PROBLEMS).map((p) => (
                <tr key={`${p.namespace}/${p.name}`}>
                  <td>
                    <Link to={objectRoute(context, 'Pod', p.namespace, p.name)}>Pod {p.name}</Link>
                  </td>
                  <td>{p.namespace}</td>
                  <td className={`status-${statusTone(cell(p.status))}`}>{cell(p.status)}</td>
                  <td>{cell(p.restarts)}</td>
                </tr>
              ))}
              {morePods > 0 && <MoreRow what={`${morePods} more pods not running`} to={`${c}/resources/pods?sort=status`} />}
              {unavailable.slice(0, SHOWN_PROBLEMS).map((d) => (
                <tr key={`d/${d.namespace}/${d.name}`}>
                  <td>
                    <Link to={objectRoute(context, 'Deployment', d.namespace, d.name)}>Deployment {d.name}</Link>
                  </td>
                  <td>{d.namespace}</td>
                  <td className={`status-${statusTone(cell(d.status)) === 'bad' ? 'bad' : 'warn'}`}>
                    {cell(d.status) ? `${cell(d.status)} · ` : ''}
                    {cell(d.ready)} ready
                  </td>
                  <td />
                </tr>
              ))}
              {moreDeployments > 0 && <MoreRow what={`${moreDeployments} more deployments not fully available`} to={`${c}/resources/deployments?sort=status&desc=1`} />}
            </tbody>
          </table>
        )}
      </section>
      <div className="two-col">
        <section className="card" aria-labelledby="status-title">
          <h2 id="status-title">Pods by status</h2>
          <ul className="plain">
            {Object.entries(byStatus)
              .sort((a, b) => b[1] - a[1])
              .map(([s, n]) => (
                <li key={s}>
                  <span className={`status-${statusTone(s)}`}>{s}</span> {n}
                </li>
              ))}
          </ul>
        </section>
        <section className="card" aria-labelledby="insights-title">
          <div className="row-between">
            <h2 id="insights-title">Insights</h2>
            {!!insights.data?.total && <Link to="/insights">All {insights.data.total} open</Link>}
          </div>
          {insights.error ? (
            <p className="muted">{errorMessage(insights.error)}</p>
          ) : !insights.data?.items.length ? (
            <p className="muted">{insights.isPending ? 'Loading…' : 'No open problems found in this cluster yet.'}</p>
          ) : (
            <ul className="plain">
              {insights.data.items.slice(0, 10).map((i) => (
                <li key={i.id}>
                  <code>{i.code}</code>{' '}
                  {i.kind && i.name && (
                    <>
                      <Link to={objectRoute(context, i.kind, i.namespace, i.name)}>
                        {i.kind} {i.namespace ? `${i.namespace}/` : ''}
                        {i.name}
                      </Link>
                      :{' '}
                    </>
                  )}
                  {i.summary}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <section className="card" aria-labelledby="events-title">
        <h2 id="events-title">Recent warning events</h2>
        <table className="simple" aria-labelledby="events-title">
          <tbody>
            {recentWarnings.map((e) => (
              <tr key={`${e.namespace}/${e.name}`}>
                <td>{cell(e.reason)}</td>
                <td>
                  <EventObject context={context} namespace={e.namespace} object={cell(e.object)} />
                </td>
                <td>{cell(e.message)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  )
}

/** At most this many rows of each kind in "Workloads that need attention": the list pages hold the rest. */
const SHOWN_PROBLEMS = 50
const RECENT_WARNINGS = 20
const NO_ROWS: Row[] = []

/** A pod the overview lists as needing attention: its status reads as failing or pending. */
function isProblem(p: Row): boolean {
  const tone = statusTone(cell(p.status))
  return tone === 'bad' || tone === 'warn'
}

function MoreRow({ what, to }: { what: string; to: string }) {
  return (
    <tr>
      <td colSpan={4} className="muted">
        … and <Link to={to}>{what}</Link>
      </td>
    </tr>
  )
}

/** An event's object (`pod/web-1`, as kubectl prints it) linked to its page when its kind is known. */
function EventObject({ context, namespace, object }: { context: string; namespace?: string | null; object: string }) {
  const [kind = '', name = ''] = object.split('/')
  const known = useKindDef(context, kind)
  if (!known || !name) return <>{object}</>
  const ns = known.namespaced ? namespace : null
  return <Link to={objectRoute(context, known.kind, ns, name)}>{object}</Link>
}

function countBy(rows: Row[], f: (r: Row) => string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of rows) out[f(r)] = (out[f(r)] ?? 0) + 1
  return out
}

function Tile({
  label,
  value,
  sync,
  bad,
  badLabel,
  to,
}: {
  label: string
  value?: number
  sync?: KindStatus | null
  bad?: number
  badLabel?: string
  to: string
}) {
  // A count of zero for a kind the user may not list would read as "there are none".
  const hidden = sync?.state === 'forbidden'
  return (
    <Link to={to} className="tile" data-testid={`tile-${label.toLowerCase()}`} title={hidden ? (sync?.message ?? undefined) : undefined}>
      <span className="tile-value">{hidden ? '–' : (value ?? '…')}</span>
      <span className="tile-label">{label}</span>
      <span className={`small ${bad && !hidden ? 'status-bad' : 'muted'}`}>{hidden ? 'not visible to your credentials' : bad ? `${bad} ${badLabel}` : '\u00a0'}</span>
    </Link>
  )
}
