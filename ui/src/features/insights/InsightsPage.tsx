import { Link } from 'react-router'
import { errorMessage } from '../../api/error'
import { kindPath } from '../resources/kinds'
import { useInsights } from '../investigations/useInvestigations'

export default function InsightsPage() {
  const insights = useInsights()
  return (
    <div className="page stack">
      <h1>Insights</h1>
      <p className="muted">Problems Kubilitics found on its own, from watching the cluster.</p>
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
              <th>Last seen</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {(insights.data ?? []).map((i, n) => {
              const o = i.object ?? i.objects?.[0]
              return (
                <tr key={i.id ?? n}>
                  <td>
                    <code>{i.code}</code>
                  </td>
                  <td>{i.severity}</td>
                  <td>
                    {o?.kind && o.name && i.context ? (
                      <Link to={`/c/${encodeURIComponent(i.context)}/resources/${kindPath(o.kind)}/${encodeURIComponent(o.namespace || '_')}/${encodeURIComponent(o.name)}`}>
                        {o.kind} {o.name}
                      </Link>
                    ) : (
                      o?.name
                    )}
                  </td>
                  <td>{i.summary ?? i.message}</td>
                  <td className="muted">{i.last_seen}</td>
                  <td>{i.resolved ? 'resolved' : 'open'}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </div>
  )
}
