import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { AiStatus } from '../../api/types'
import { BudgetChart } from './BudgetChart'

function status(provider: Partial<AiStatus['llm_provider']>): AiStatus {
  return {
    status: 'degraded',
    llm_provider: { name: 'OpenAI', model: 'gpt-4o-mini', connectivity: 'unreachable', ...provider },
    token_usage: {
      daily_used: 10,
      daily_quota: 1000,
      daily_cost_usd: 0.01,
      monthly_used: 100,
      monthly_token_limit: 10000,
      monthly_cost_usd: 0.1,
      monthly_limit_usd: 10,
      warning: false,
      exhausted: false,
    },
    investigations: { queued: 0, max_concurrent: 2, timeout_seconds: 300 },
  } as AiStatus
}

describe('BudgetChart', () => {
  it('says why the provider is unreachable and what to check', () => {
    render(<BudgetChart status={status({ last_error: 'the provider cannot be reached: connection refused' })} />)
    expect(screen.getByText(/unreachable/)).toBeTruthy()
    expect(screen.getByRole('status').textContent).toMatch(/connection refused.*Check the endpoint and API key/)
  })

  it('shows no error while the provider answers', () => {
    render(<BudgetChart status={status({ connectivity: 'healthy' })} />)
    expect(screen.queryByRole('status')).toBeNull()
  })
})
