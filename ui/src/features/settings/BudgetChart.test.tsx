import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { AiStatus, DayUsage } from '../../api/types'
import { BudgetChart } from './BudgetChart'

const day = (n: number, tokens: number, calls: number, cost: number) => ({ day: `2026-11-0${n}`, tokens, calls, cost_usd: cost })

function status(provider: Partial<AiStatus['llm_provider']>, byDay: DayUsage[] = []): AiStatus {
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
      by_day: byDay,
    },
    investigations: { queued: 0, max_concurrent: 2, timeout_seconds: 300 },
  } as AiStatus
}

describe('BudgetChart', () => {
  it('says why the provider is unreachable and what to check', () => {
    render(<BudgetChart status={status({ last_error: 'the provider cannot be reached: connection refused' })} />)
    expect(screen.getByText(/not answering/)).toBeTruthy()
    expect(screen.getByRole('status').textContent).toMatch(/connection refused.*Check the endpoint and API key/)
  })

  it('says plainly when no provider is in use, and why one chosen is not', () => {
    const { unmount } = render(<BudgetChart status={status({ name: 'none', model: '', connectivity: 'not_configured' })} />)
    expect(screen.getByText('No LLM provider: investigations and chat use the built-in analyzers.')).toBeTruthy()
    unmount()
    render(
      <BudgetChart
        status={status({ name: 'openai_compatible', connectivity: 'not_configured', last_error: 'an OpenAI-compatible provider needs its base URL: set ai.llm.endpoint' })}
      />,
    )
    expect(screen.getByRole('status').textContent).toBe(
      'openai_compatible is chosen but not in use: an OpenAI-compatible provider needs its base URL: set ai.llm.endpoint. Investigations and chat use the built-in analyzers meanwhile.',
    )
    expect(screen.queryByText(/The last call/)).toBeNull()
  })

  it("draws this month's tokens per day, a bar a day, each with its figures", () => {
    render(<BudgetChart status={status({ connectivity: 'healthy' }, [day(1, 0, 0, 0), day(2, 4000, 3, 0.02), day(3, 1000, 1, 0.006)])} />)
    const chart = screen.getByRole('img', { name: /^Tokens per day this month: 5,000 in all, most on 2026-11-02 \(4,000\)$/ })
    const bars = Array.from(chart.querySelectorAll('rect'))
    expect(bars.map((b) => b.getAttribute('data-day'))).toEqual(['2026-11-01', '2026-11-02', '2026-11-03'])
    const heights = bars.map((b) => Number(b.getAttribute('height')))
    expect(heights[0]).toBe(0)
    expect(heights[1]).toBeGreaterThan(heights[2] ?? Infinity)
    expect(heights[2]).toBeGreaterThan(0)
    expect(bars[1]?.textContent).toBe('2026-11-02: 4,000 tokens in 3 calls, $0.02')
    expect(bars[2]?.textContent).toBe('2026-11-03: 1,000 tokens in 1 call, $0.01')
  })

  it('says so when no LLM call was made this month', () => {
    render(<BudgetChart status={status({ connectivity: 'healthy' }, [day(1, 0, 0, 0), day(2, 0, 0, 0)])} />)
    expect(screen.getByText('No LLM calls this month.')).toBeTruthy()
    expect(screen.queryByTestId('usage-chart')).toBeNull()
  })

  it('shows no error while the provider answers', () => {
    render(<BudgetChart status={status({ connectivity: 'healthy' })} />)
    expect(screen.queryByRole('status')).toBeNull()
  })
})
