import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { render, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Delta } from '../../api/live'
import { useResourceList } from './useResources'

/** The pods subscription's delta handler: calling it is the sidecar sending a batch. */
const live = vi.hoisted(() => ({ onDeltas: null as ((d: Delta[]) => void) | null, onSubscribed: null as ((seq: number) => void) | null }))
vi.mock('../../api/live', () => ({
  subscribe: (_s: unknown, onDeltas: (d: Delta[]) => void, _onResync: () => void, onSubscribed: (seq: number) => void) => {
    live.onDeltas = onDeltas
    live.onSubscribed = onSubscribed
    return () => (live.onDeltas = null)
  },
}))

afterEach(() => vi.unstubAllGlobals())

const pod = (name: string, status: string) => ({ name, namespace: 'shop', status })

function Pods() {
  const list = useResourceList('dev', 'pods', {})
  return <p data-testid="pods">{list.data?.map((r) => `${r.name}=${String(r.status)}`).join(' ') ?? 'loading'}</p>
}

describe('useResourceList', () => {
  it('keeps the changes that arrive while the list is on its way, and only those the list does not hold', async () => {
    // The sidecar read the list at delta 10; the page gets the answer only after two batches.
    let answer: (r: Response) => void = () => {}
    const lists = vi.fn(() => new Promise<Response>((resolve) => (answer = resolve)))
    vi.stubGlobal('fetch', vi.fn(async (url: string) => (String(url).includes('/resources/pods') ? lists() : new Response('{}', { status: 404 }))))
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <Pods />
      </QueryClientProvider>,
    )
    await waitFor(() => expect(lists).toHaveBeenCalledTimes(1))
    // Delta 9 is older than the list (which holds web-1 Running already); 11 and 12 are newer.
    live.onDeltas?.([{ type: 'MODIFIED', object: pod('web-1', 'Pending'), seq: 9 }])
    live.onDeltas?.([
      { type: 'ADDED', object: pod('web-2', 'Running'), seq: 11 },
      { type: 'DELETED', object: pod('old-0', 'Running'), seq: 12 },
    ])
    answer(Response.json({ items: [pod('old-0', 'Running'), pod('web-1', 'Running')], total: 2, seq: 10 }))
    await waitFor(() => expect(screen.getByTestId('pods').textContent).toBe('web-1=Running web-2=Running'))
    // Once the list has landed, deltas apply to it directly.
    live.onDeltas?.([{ type: 'MODIFIED', object: pod('web-2', 'Terminating'), seq: 13 }])
    await waitFor(() => expect(screen.getByTestId('pods').textContent).toBe('web-1=Running web-2=Terminating'))
    expect(lists).toHaveBeenCalledTimes(1)
  })

  it('reads the list again when it was read before the subscription took effect, and only then', async () => {
    const answers = [10, 15]
    const lists = vi.fn(async () => Response.json({ items: [pod('web-1', 'Running')], total: 1, seq: answers.shift() }))
    vi.stubGlobal('fetch', vi.fn(async (url: string) => (String(url).includes('/resources/pods') ? lists() : new Response('{}', { status: 404 }))))
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <Pods />
      </QueryClientProvider>,
    )
    await waitFor(() => expect(screen.getByTestId('pods').textContent).toBe('web-1=Running'))
    // The socket opened after the list was read (delta 10): changes 11 and 12 reached no one.
    live.onSubscribed?.(12)
    await waitFor(() => expect(lists).toHaveBeenCalledTimes(2))
    // A later confirmation at a number the list already holds (15) asks for nothing more.
    live.onSubscribed?.(15)
    await new Promise((r) => setTimeout(r, 50))
    expect(lists).toHaveBeenCalledTimes(2)
  })
})
