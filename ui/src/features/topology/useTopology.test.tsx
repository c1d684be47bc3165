import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, renderHook, waitFor } from '@testing-library/react'
import type { ReactNode } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Subscription } from '../../api/live'
import { REDRAW_AFTER_MS, useTopology } from './useTopology'

/** What the hook subscribed to, and its delta callback. */
const live = vi.hoisted(() => ({ subs: [] as { s: Subscription; onDeltas: () => void }[] }))
vi.mock('../../api/live', () => ({
  subscribe: (s: Subscription, onDeltas: () => void) => {
    live.subs.push({ s, onDeltas })
    return () => {}
  },
}))

afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
  live.subs = []
})

describe('useTopology', () => {
  it('reads the graph again once after a burst of changes in its scope', async () => {
    const graph = { nodes: [], edges: [], truncated: false }
    const fetchGraph = vi.fn(async (_url: string) => Response.json(graph))
    vi.stubGlobal('fetch', fetchGraph)
    const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={new QueryClient()}>{children}</QueryClientProvider>
    const { result } = renderHook(() => useTopology('dev', { namespace: 'shop' }), { wrapper })
    await waitFor(() => expect(result.current.isSuccess).toBe(true))
    expect(live.subs.map((x) => x.s)).toEqual([{ context: 'dev', kind: '*', namespace: 'shop' }])
    const reads = () => fetchGraph.mock.calls.filter(([url]) => String(url).includes('/topology')).length
    expect(reads()).toBe(1)

    vi.useFakeTimers()
    act(() => {
      for (let i = 0; i < 20; i++) live.subs[0]?.onDeltas()
    })
    act(() => vi.advanceTimersByTime(REDRAW_AFTER_MS - 1))
    expect(reads()).toBe(1)
    act(() => vi.advanceTimersByTime(1))
    vi.useRealTimers()
    await waitFor(() => expect(reads()).toBe(2))
  })

  it('draws a change made while the graph was still being read, once that read has landed', async () => {
    const graph = { nodes: [], edges: [], truncated: false }
    let answer: () => void = () => {}
    const fetchGraph = vi.fn((url: string) =>
      String(url).includes('/topology') ? new Promise<Response>((resolve) => (answer = () => resolve(Response.json(graph)))) : Promise.resolve(new Response('{}', { status: 404 })),
    )
    vi.stubGlobal('fetch', fetchGraph)
    const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={new QueryClient()}>{children}</QueryClientProvider>
    const { result } = renderHook(() => useTopology('dev', {}), { wrapper })
    const reads = () => fetchGraph.mock.calls.filter(([url]) => String(url).includes('/topology')).length
    await waitFor(() => expect(reads()).toBe(1))
    // A change while the first read is on its way (answered, perhaps, before the change).
    vi.useFakeTimers()
    act(() => live.subs[0]?.onDeltas())
    await act(() => vi.advanceTimersByTimeAsync(REDRAW_AFTER_MS))
    expect(reads()).toBe(1)
    await act(async () => answer())
    await act(() => vi.advanceTimersByTimeAsync(1))
    expect(result.current.isSuccess).toBe(true)
    // The next turn reads the graph again, after the first answer.
    await act(() => vi.advanceTimersByTimeAsync(REDRAW_AFTER_MS))
    expect(reads()).toBe(2)
    vi.useRealTimers()
  })
})
