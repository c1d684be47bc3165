import { Link } from 'react-router'
import { errorMessage } from '../../api/error'
import { kindPath } from '../resources/kinds'
import { useInsights } from '../investigations/useInvestigations'

export default function InsightsPage() {
  const insights = useInsights()
  return (
    <div className="page stack">
      <h1>Insights</h1>
      <p className="muted">Problems the recent investigations found, newest first.</p>
      {insights.error ? (
        <p className="error">{errorMessage(insights.error)}</p>
      ) : (
        <table className="simple" data-testid="insights">
          <thead>
            <tr>
              <th>Code</th>
              <th>Severity</th>
              <th>Object</th>
              <th>Summary</th>
              <th>Found</th>
            </tr>
          </thead>
          <tbody>
            {insights.isSuccess && insights.data.length === 0 && (
              <tr>
                <td colSpan={5} className="muted" data-testid="insights-empty">
                  Nothing found yet. Insights come from investigations: start one from <Link to="/investigations">Investigations</Link> or from any object that
                  looks wrong.
                </td>
              </tr>
            )}
            {(insights.data ?? []).map((i, n) => {
              const o = i.objects[0]
              return (
                <tr key={n}>
                  <td>
                    <code>{i.code}</code>
                  </td>
                  <td>{i.severity}</td>
                  <td>
                    {o ? (
                      <Link to={`/c/${encodeURIComponent(i.context)}/resources/${kindPath(o.kind)}/${encodeURIComponent(o.namespace || '_')}/${encodeURIComponent(o.name)}`}>
                        {o.kind} {o.name}
                      </Link>
                    ) : null}
                  </td>
                  <td>{i.summary}</td>
                  <td className="muted">
                    <Link to={`/investigations/${encodeURIComponent(i.investigation_id)}`}>{i.at}</Link>
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </div>
  )
}
