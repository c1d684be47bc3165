import type { AiStatus } from '../../api/pending'

/** Token usage today against the daily quota, and the daily history when the sidecar has it. */
export function BudgetChart({ status }: { status?: AiStatus }) {
  if (!status) return <p className="muted">Loading usage…</p>
  const u = status.token_usage
  const pct = u.daily_quota > 0 ? Math.min(100, (u.daily_used / u.daily_quota) * 100) : 0
  const history = u.history ?? []
  const max = Math.max(1, ...history.map((h) => h.tokens))
  return (
    <div>
      <p>
        Provider: <strong>{status.llm_provider.name}</strong> ({status.llm_provider.connectivity})
      </p>
      <div className="meter" role="meter" aria-valuemin={0} aria-valuemax={u.daily_quota} aria-valuenow={u.daily_used} aria-label="Tokens used today">
        <div className={`meter-fill ${pct > 80 ? 'warn' : ''}`} style={{ width: `${pct}%` }} />
      </div>
      <p className="muted">
        {u.daily_used.toLocaleString()} of {u.daily_quota.toLocaleString()} tokens today
        {u.monthly_cost_usd !== undefined && ` · $${u.monthly_cost_usd.toFixed(2)} this month`}
        {u.monthly_limit_usd !== undefined && ` of $${u.monthly_limit_usd.toFixed(2)}`}
      </p>
      {history.length > 0 && (
        <svg className="bars" viewBox={`0 0 ${history.length * 12} 60`} role="img" aria-label="Tokens per day">
          {history.map((h, i) => {
            const height = (h.tokens / max) * 56
            return (
              <rect key={h.date} x={i * 12 + 1} y={60 - height} width={10} height={height}>
                <title>
                  {h.date}: {h.tokens.toLocaleString()} tokens
                </title>
              </rect>
            )
          })}
        </svg>
      )}
    </div>
  )
}
