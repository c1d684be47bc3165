import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, renderHook, waitFor } from '@testing-library/react'
import type { ReactNode } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { usePutSetting, useSetting } from './useSetting'

afterEach(() => vi.unstubAllGlobals())

/** A sidecar with a settings store: the list, and PUT of one key. Records what was asked. */
function serveSettings(stored: Record<string, unknown>) {
  const asked: string[] = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string | Request, init?: RequestInit) => {
      const req = input instanceof Request ? input : new Request(new URL(input, 'http://sidecar'), init)
      const path = new URL(req.url, 'http://sidecar').pathname
      asked.push(`${req.method} ${path}`)
      if (path === '/api/v1/session') return new Response('{}', { status: 404 })
      if (req.method === 'GET' && path === '/api/v1/settings')
        return Response.json({ items: Object.entries(stored).map(([key, value]) => ({ key, value, updated_at: '' })) })
      const key = /^\/api\/v1\/settings\/(.+)$/.exec(path)?.[1]
      if (req.method === 'PUT' && key) {
        stored[key] = ((await req.json()) as { value: unknown }).value
        return Response.json({ key, value: stored[key], updated_at: '' })
      }
      return new Response('{}', { status: 404 })
    }),
  )
  return asked
}

function wrapper() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  return ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>
}

describe('settings', () => {
  it('reads every key from one list request, unset keys as null', async () => {
    const asked = serveSettings({ 'ui.theme': 'dark' })
    const { result } = renderHook(
      () => ({ theme: useSetting<string>('ui.theme'), wizard: useSetting('ui.wizard'), level: useSetting('ai.level') }),
      { wrapper: wrapper() },
    )
    await waitFor(() => expect(result.current.theme.data).toBe('dark'))
    expect(result.current.wizard.data).toBeNull()
    expect(result.current.level.data).toBeNull()
    expect(asked.filter((a) => a.includes('/settings'))).toEqual(['GET /api/v1/settings'])
  })

  it('a write shows at once, is stored, and leaves the other keys as they were', async () => {
    const stored: Record<string, unknown> = { 'ui.theme': 'dark', 'ui.last_context': 'prod' }
    serveSettings(stored)
    const { result } = renderHook(
      () => ({ theme: useSetting<string>('ui.theme'), last: useSetting<string>('ui.last_context'), put: usePutSetting<string>('ui.theme') }),
      { wrapper: wrapper() },
    )
    await waitFor(() => expect(result.current.theme.data).toBe('dark'))
    await act(async () => {
      await result.current.put.mutateAsync('light')
    })
    expect(result.current.theme.data).toBe('light')
    expect(result.current.last.data).toBe('prod')
    expect(stored['ui.theme']).toBe('light')
  })
})
