import { errorMessage } from '../../api/error'
import { useHealth, type DependencyState } from './../health/useHealth'

const LABELS: Record<string, string> = {
  kubernetes_api: 'Kubernetes API',
  database: 'Database',
  ai_service: 'AI service',
  redis_cache: 'Redis cache',
}

const ADVICE: Record<string, string> = {
  kubernetes_api: 'Pick or import a context under Settings › Contexts, or try the sandbox cluster.',
  database: 'SQLite: check the free space of the disk holding it; PostgreSQL: check that the server runs and takes the configured user (Settings › Database says which is in use). The sidecar log says what failed.',
  ai_service: 'Investigations still work with the built-in analyzers; set an LLM provider under Settings › AI for more.',
  redis_cache: 'Only used when cache.type is redis; check that Redis is running at the configured URL.',
}

function stateLabel(s: DependencyState): string {
  return s === 'not_configured' ? 'not configured' : s
}

/**
 * The runbook's verification step "Settings › About › Health Check: confirm all services show
 * healthy", with what to do for each one that is not.
 */
export function HealthCheck() {
  const health = useHealth()
  return (
    <section aria-labelledby="health-title" className="card">
      <div className="row-between">
        <h3 id="health-title">Health check</h3>
        <button type="button" onClick={() => health.refetch()} disabled={health.isFetching}>
          {health.isFetching ? 'Checking…' : 'Run health check'}
        </button>
      </div>
      {health.error && <p className="error" role="alert">{errorMessage(health.error)}</p>}
      {health.data && (
        <>
          <p>
            Backend: <StatusPill state={health.data.status} /> <span className="muted">at {health.data.timestamp}</span>
          </p>
          <table className="kv" data-testid="health-table">
            <tbody>
              {Object.entries(health.data.dependencies).map(([k, v]) => (
                <tr key={k}>
                  <th scope="row">{LABELS[k] ?? k}</th>
                  <td>
                    <StatusPill state={v} />
                  </td>
                  <td className="muted">{v === 'healthy' ? '' : ADVICE[k]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  )
}

export function StatusPill({ state }: { state: string }) {
  const tone = state === 'healthy' || state === 'operational' ? 'ok' : state === 'not_configured' ? 'neutral' : state === 'degraded' ? 'warn' : 'bad'
  return <span className={`pill pill-${tone}`}>{stateLabel(state as DependencyState)}</span>
}
