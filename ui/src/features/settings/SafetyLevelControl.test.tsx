import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { SafetyLevelControl } from './SafetyLevelControl'

afterEach(() => vi.unstubAllGlobals())

/** A sidecar whose gate is at `level` (pinned by `pinnedBy`, if given); PUT moves it unless pinned. */
function serveGate(level: number, pinnedBy?: string) {
  const puts: unknown[] = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      if (url.endsWith('/api/v1/session')) return new Response('{}', { status: 404 })
      if (url.endsWith('/api/v1/ai/status')) return Response.json({ safety: { autonomy_level: level, pinned_by: pinnedBy } })
      if (url.endsWith('/api/v1/settings')) return Response.json({ items: [] })
      if (url.endsWith('/api/v1/settings/ai.safety_policy.autonomy_level') && init?.method === 'PUT') {
        const { value } = JSON.parse(String(init.body)) as { value: number }
        puts.push(value)
        if (pinnedBy) return Response.json({ error: { code: 'conflict', message: `set by ${pinnedBy}` } }, { status: 409 })
        level = value
        return Response.json({ key: 'ai.safety_policy.autonomy_level', value, updated_at: '' })
      }
      return new Response('{}', { status: 404 })
    }),
  )
  return puts
}

const renderControl = () =>
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <SafetyLevelControl />
    </QueryClientProvider>,
  )

describe('SafetyLevelControl', () => {
  it("shows the gate's level and moves it when another is chosen", async () => {
    const puts = serveGate(2)
    renderControl()
    await waitFor(() => expect((screen.getByRole('radio', { name: /Level 2/ }) as HTMLInputElement).checked).toBe(true))
    fireEvent.click(screen.getByRole('radio', { name: /Level 3/ }))
    await waitFor(() => expect((screen.getByRole('radio', { name: /Level 3/ }) as HTMLInputElement).checked).toBe(true))
    expect(puts).toEqual([3])
  })

  it('says who pinned the level and offers no choice that would not apply', async () => {
    serveGate(1, 'env AI_SAFETY_AUTONOMY_LEVEL')
    renderControl()
    expect((await screen.findByRole('note')).textContent).toContain('env AI_SAFETY_AUTONOMY_LEVEL')
    // Disabled through its fieldset, as a browser disables it.
    expect(screen.getByRole('radio', { name: /Level 3/ }).matches(':disabled')).toBe(true)
    expect((screen.getByRole('radio', { name: /Level 1/ }) as HTMLInputElement).checked).toBe(true)
  })
})
