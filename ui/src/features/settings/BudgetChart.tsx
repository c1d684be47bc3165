import type { AiStatus, DayUsage } from '../../api/types'

const BAR = 10
const GAP = 3
const HEIGHT = 64

/**
 * Tokens per UTC day this month, one bar each from the 1st to today; a bar's tooltip (and the
 * chart's accessible description) gives the figures.
 */
function DailyUsage({ days }: { days: DayUsage[] }) {
  const total = days.reduce((n, d) => n + d.tokens, 0)
  if (total === 0) return <p className="muted small">No LLM calls this month.</p>
  const most = days.reduce((a, b) => (b.tokens > a.tokens ? b : a))
  const width = days.length * (BAR + GAP)
  const label = `Tokens per day this month: ${total.toLocaleString()} in all, most on ${most.day} (${most.tokens.toLocaleString()})`
  return (
    <figure className="usage-chart" data-testid="usage-chart">
      <svg role="img" aria-label={label} viewBox={`0 0 ${width} ${HEIGHT + 1}`} width={width} height={HEIGHT + 1}>
        {days.map((d, i) => {
          // Any use shows, however small next to the busiest day.
          const h = d.tokens > 0 ? Math.max(2, Math.round((d.tokens / Math.max(1, most.tokens)) * HEIGHT)) : 0
          return (
            <rect key={d.day} data-day={d.day} x={i * (BAR + GAP)} y={HEIGHT - h} width={BAR} height={h}>
              <title>{`${d.day}: ${d.tokens.toLocaleString()} tokens in ${d.calls} ${d.calls === 1 ? 'call' : 'calls'}, $${d.cost_usd.toFixed(2)}`}</title>
            </rect>
          )
        })}
        <line x1={0} x2={width} y1={HEIGHT + 0.5} y2={HEIGHT + 0.5} />
      </svg>
      <figcaption className="muted small">Tokens per day this month (UTC); hover a bar for its figures.</figcaption>
    </figure>
  )
}

const CONNECTIVITY: Record<string, string> = {
  healthy: 'answering',
  unreachable: 'not answering',
  over_budget: 'paused: over budget',
}

/** Which provider is in use and how its calls go, or why none is, in words. */
function ProviderLine({ provider }: { provider: AiStatus['llm_provider'] }) {
  const { name, model, connectivity, last_error: error } = provider
  if (connectivity === 'not_configured' && !error) {
    return <p>No LLM provider: investigations and chat use the built-in analyzers.</p>
  }
  if (connectivity === 'not_configured') {
    return (
      <p className="error" role="status">
        {name} is chosen but not in use: {error}. Investigations and chat use the built-in analyzers meanwhile.
      </p>
    )
  }
  return (
    <>
      <p>
        Provider: <strong>{name}</strong>
        {model && <> · {model}</>} ({CONNECTIVITY[connectivity] ?? connectivity})
      </p>
      {error && (
        <p className="error" role="status">
          The last call to the provider failed: {error}. Check the endpoint and API key in AI settings, and that this machine can
          reach the provider; investigations use the analyzers meanwhile.
        </p>
      )}
    </>
  )
}

/** Token usage today against the daily quota, and this month's tokens and cost against the budget. */
export function BudgetChart({ status }: { status?: AiStatus }) {
  if (!status) return <p className="muted">Loading usage…</p>
  const u = status.token_usage
  const pct = u.daily_quota > 0 ? Math.min(100, (u.daily_used / u.daily_quota) * 100) : 0
  const month = u.monthly_token_limit > 0 ? Math.min(100, (u.monthly_used / u.monthly_token_limit) * 100) : 0
  return (
    <div>
      <ProviderLine provider={status.llm_provider} />
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
      <DailyUsage days={u.by_day ?? []} />
    </div>
  )
}
