import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { render, screen } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { afterEach, describe, expect, it, vi } from 'vitest'
import InsightsPage from './InsightsPage'

afterEach(() => vi.unstubAllGlobals())

const showPage = () =>
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter>
        <InsightsPage />
      </MemoryRouter>
    </QueryClientProvider>,
  )

describe('InsightsPage', () => {
  it("lists the sidecar's open insights of the current context, linked to their objects", async () => {
    const asked: string[] = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        asked.push(url)
        if (url.endsWith('/api/v1/session')) return new Response('{}', { status: 404 })
        if (url.endsWith('/api/v1/settings')) return Response.json({ items: [] })
        if (url.endsWith('/api/v1/clusters')) return Response.json({ current: 'kind-dev', items: [] })
        if (url.includes('/api/v1/ai/insights'))
          return Response.json({
            total: 1,
            items: [
              {
                id: 'i1',
                fingerprint: 'f',
                context: 'kind-dev',
                code: 'CRASHLOOP_DEPENDENCY',
                severity: 'high',
                kind: 'Deployment',
                namespace: 'shop',
                name: 'checkout',
                summary: 'the application exits because Service redis has no ready endpoints',
                evidence: {},
                first_seen: '2026-11-25T22:00:00Z',
                last_seen: '2026-11-25T22:05:00Z',
                resolved_at: null,
              },
            ],
          })
        return new Response('{}', { status: 404 })
      }),
    )
    showPage()
    const link = await screen.findByRole('link', { name: 'Deployment shop/checkout' })
    expect(link.getAttribute('href')).toBe('/c/kind-dev/resources/deployments/shop/checkout')
    expect(screen.getByText('CRASHLOOP_DEPENDENCY')).toBeTruthy()
    expect(screen.getByTestId('insight-count').textContent).toBe('1 open insight')
    // Times in the reader's local time, the exact value kept for the tooltip.
    const first = screen.getByTitle('2026-11-25T22:00:00Z')
    expect(first.getAttribute('datetime')).toBe('2026-11-25T22:00:00Z')
    expect(first.textContent).toBe(new Date('2026-11-25T22:00:00Z').toLocaleString())
    const q = new URL(asked.filter((u) => u.includes('/ai/insights')).at(-1) ?? '', 'http://x').searchParams
    expect(q.get('state')).toBe('open')
    expect(q.get('context')).toBe('kind-dev')
  })

  it('says when only the first insights of a longer list are shown', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        if (url.endsWith('/api/v1/clusters')) return Response.json({ current: 'kind-dev', items: [] })
        if (url.includes('/api/v1/ai/insights'))
          return Response.json({
            total: 620,
            items: [{ id: 'i1', fingerprint: 'f', context: 'kind-dev', code: 'OOM_KILLED', severity: 'high', summary: 'out of memory', evidence: {}, first_seen: '2026-11-25T22:00:00Z', last_seen: '2026-11-25T22:05:00Z', resolved_at: null }],
          })
        return new Response('{}', { status: 404 })
      }),
    )
    showPage()
    expect((await screen.findByTestId('insight-count')).textContent).toBe('620 open insights, the first 1 shown')
  })
})
