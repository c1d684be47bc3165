import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { HealthCheck } from './HealthCheck'

afterEach(() => vi.unstubAllGlobals())

describe('HealthCheck', () => {
  it('shows every dependency with advice for the ones that are not healthy', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        if (url.endsWith('/api/v1/session')) return new Response('{}', { status: 404 })
        return Response.json({
          status: 'degraded',
          timestamp: '2026-01-01T00:00:00Z',
          dependencies: { kubernetes_api: 'unhealthy', database: 'healthy', ai_service: 'not_configured', redis_cache: 'not_configured' },
        })
      }),
    )
    render(
      <QueryClientProvider client={new QueryClient()}>
        <HealthCheck />
      </QueryClientProvider>,
    )
    expect(await screen.findByText('Kubernetes API')).toBeTruthy()
    expect(screen.getByText('degraded')).toBeTruthy()
    expect(screen.getByText(/Pick or import a context/)).toBeTruthy()
    expect(screen.getAllByText('not configured')).toHaveLength(2)
  })
})
