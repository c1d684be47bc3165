import type { AiStatus } from '../../api/types'

/** Token usage today against the daily quota, and this month's tokens and cost against the budget. */
export function BudgetChart({ status }: { status?: AiStatus }) {
  if (!status) return <p className="muted">Loading usage…</p>
  const u = status.token_usage
  const pct = u.daily_quota > 0 ? Math.min(100, (u.daily_used / u.daily_quota) * 100) : 0
  const month = u.monthly_token_limit > 0 ? Math.min(100, (u.monthly_used / u.monthly_token_limit) * 100) : 0
  return (
    <div>
      <p>
        Provider: <strong>{status.llm_provider.name}</strong>
        {status.llm_provider.model && <> · {status.llm_provider.model}</>} ({status.llm_provider.connectivity})
      </p>
      {status.llm_provider.last_error && (
        <p className="error" role="status">
          The last call to the provider failed: {status.llm_provider.last_error}. Check the endpoint and API key in AI settings, and
          that this machine can reach the provider; investigations use the analyzers meanwhile.
        </p>
      )}
      <div className="meter" role="meter" aria-valuemin={0} aria-valuemax={u.daily_quota} aria-valuenow={u.daily_used} aria-label="Tokens used today">
        <div className={`meter-fill ${pct > 80 ? 'warn' : ''}`} style={{ width: `${pct}%` }} />
      </div>
      <p className="muted">
        {u.daily_used.toLocaleString()} of {u.daily_quota.toLocaleString()} tokens today · ${u.daily_cost_usd.toFixed(2)}
      </p>
      <div className="meter" role="meter" aria-valuemin={0} aria-valuemax={u.monthly_token_limit} aria-valuenow={u.monthly_used} aria-label="Tokens used this month">
        <div className={`meter-fill ${u.warning || u.exhausted ? 'warn' : ''}`} style={{ width: `${month}%` }} />
      </div>
      <p className="muted">
        {u.monthly_used.toLocaleString()} of {u.monthly_token_limit.toLocaleString()} tokens this month · ${u.monthly_cost_usd.toFixed(2)} of $
        {u.monthly_limit_usd.toFixed(2)}
        {u.exhausted && ' · budget exhausted: no LLM calls until next month'}
      </p>
    </div>
  )
}
