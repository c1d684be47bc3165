import { Link, useSearchParams } from 'react-router'
import { errorMessage } from '../../api/error'
import { useCurrentContext } from '../../app/useCurrentContext'
import { objectRoute } from '../resources/kinds'
import { useInsightList, type InsightState } from './useInsightList'
import { Time } from '../../app/Time'

const STATES: InsightState[] = ['open', 'resolved', 'all']

/** Insights: problems the analyzers found on their own as the cluster changed, open ones first. */
export default function InsightsPage() {
  const context = useCurrentContext()
  const [params, setParams] = useSearchParams()
  const state = (STATES as string[]).includes(params.get('state') ?? '') ? (params.get('state') as InsightState) : 'open'
  const insights = useInsightList({ state, context })
  const items = insights.data?.items ?? []
  return (
    <div className="page stack">
      <h1>Insights</h1>
      <p className="muted">
        What the built-in analyzers found{context ? ` in ${context}` : ''} without being asked, rechecked as the watched objects change.
      </p>
      <div className="row" role="search">
        <label>
          Show{' '}
          <select value={state} onChange={(e) => setParams((p) => (p.set('state', e.target.value), p))} data-testid="insight-state">
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        {insights.isSuccess && (
          <span className="muted" data-testid="insight-count">
            {`${insights.data.total} ${state === 'all' ? '' : `${state} `}insight${insights.data.total === 1 ? '' : 's'}`}
            {insights.data.total > items.length && `, the first ${items.length} shown`}
          </span>
        )}
      </div>
      {insights.error ? (
        <p className="error">{errorMessage(insights.error)}</p>
      ) : (
        <table className="simple" data-testid="insights">
          <thead>
            <tr>
              <th>Code and severity</th>
              <th>Object</th>
              <th>Summary</th>
              <th>First seen</th>
              <th>{state === 'open' ? 'Last seen' : 'Resolved'}</th>
            </tr>
          </thead>
          <tbody>
            {insights.isSuccess && items.length === 0 && (
              <tr>
                <td colSpan={5} className="muted" data-testid="insights-empty">
                  {state === 'open'
                    ? 'Nothing open: the analyzers found no problem in the objects they watch. Start an investigation from Investigations or from any object that looks wrong.'
                    : `No ${state === 'all' ? '' : `${state} `}insights yet.`}
                </td>
              </tr>
            )}
            {items.map((i) => (
              <tr key={i.id}>
                <td>
                  <code>{i.code}</code>
                  <br />
                  <span className={`pill ${i.severity === 'critical' ? 'pill-bad' : i.severity === 'info' ? 'pill-neutral' : 'pill-warn'}`}>{i.severity}</span>
                </td>
                <td>
                  {i.kind && i.name ? (
                    <Link to={objectRoute(i.context, i.kind, i.namespace, i.name)}>
                      {i.kind} {i.namespace ? `${i.namespace}/` : ''}
                      {i.name}
                    </Link>
                  ) : (
                    (i.namespace ?? '')
                  )}
                </td>
                <td className="message">{i.summary}</td>
                <td className="muted">
                  <Time at={i.first_seen} />
                </td>
                <td className="muted">
                  {state === 'open' ? (
                    <Time at={i.last_seen} />
                  ) : i.resolved_at ? (
                    <Time at={i.resolved_at} />
                  ) : (
                    <>
                      open, last seen <Time at={i.last_seen} />
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}
