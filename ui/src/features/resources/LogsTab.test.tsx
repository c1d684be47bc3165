import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { LogsTab } from './LogsTab'

/** A WebSocket the test plays the sidecar on: it records what the UI sends and delivers messages. */
class FakeSocket {
  readyState = 0
  sent: Record<string, unknown>[] = []
  onopen: (() => void) | null = null
  onmessage: ((ev: { data: string }) => void) | null = null
  onclose: (() => void) | null = null
  send(s: string) {
    this.sent.push(JSON.parse(s) as Record<string, unknown>)
  }
  open() {
    this.readyState = 1
    this.onopen?.()
  }
  deliver(msg: unknown) {
    this.onmessage?.({ data: JSON.stringify(msg) })
  }
}

const sockets: FakeSocket[] = []
const requestText = vi.fn(async () => 'first line\nsecond line')
vi.mock('../../api/transport', () => ({
  openSocket: async () => {
    const s = new FakeSocket()
    sockets.push(s)
    return s
  },
  requestText: (...args: unknown[]) => requestText(...(args as [])),
}))

afterEach(() => vi.useRealTimers())

describe('LogsTab follow', () => {
  it('streams new lines over the WebSocket and never re-reads the log over HTTP', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true })
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime })
    render(
      <QueryClientProvider client={new QueryClient()}>
        <LogsTab context="kind-dev" namespace="shop" name="web-1" pod={{ spec: { containers: [{ name: 'app' }] } }} />
      </QueryClientProvider>,
    )
    expect(await screen.findByText(/second line/)).toBeTruthy()
    expect(requestText).toHaveBeenCalledTimes(1)

    await user.click(screen.getByLabelText('Follow'))
    await vi.waitFor(() => expect(sockets).toHaveLength(1))
    const ws = sockets[0] as FakeSocket
    act(() => ws.open())
    const sub = ws.sent.find((m) => m.type === 'logs')
    expect(sub).toMatchObject({ type: 'logs', context: 'kind-dev', namespace: 'shop', pod: 'web-1', container: 'app', tail: 2000 })
    const id = String(sub?.id)

    act(() => ws.deliver({ type: 'subscribed', id, logs: 'shop/web-1' }))
    act(() => ws.deliver({ type: 'log', id, lines: ['tail 1', 'tail 2'] }))
    expect(screen.getByTestId('logs').textContent).toBe('tail 1\ntail 2')
    // Ten quiet seconds: a polling loop would have re-read the log by now.
    await act(() => vi.advanceTimersByTimeAsync(10_000))
    act(() => ws.deliver({ type: 'log', id, lines: ['written later'] }))
    expect(screen.getByTestId('logs').textContent).toBe('tail 1\ntail 2\nwritten later')
    expect(requestText).toHaveBeenCalledTimes(1)

    act(() => ws.deliver({ type: 'log_end', id, reason: 'the container stopped writing (it exited or was deleted)' }))
    expect(screen.getByTestId('follow-status').textContent).toMatch(/Stopped following: the container stopped writing/)

    // Unfollowing reads the log once more (its latest tail) and the stream is not resubscribed.
    await user.click(screen.getByLabelText('Follow'))
    await vi.waitFor(() => expect(requestText).toHaveBeenCalledTimes(2))
    expect(ws.sent.filter((m) => m.type === 'logs')).toHaveLength(1)
  }, 30_000)

  it('stops the stream when follow is turned off', async () => {
    render(
      <QueryClientProvider client={new QueryClient()}>
        <LogsTab context="kind-dev" namespace="shop" name="web-2" pod={{ spec: { containers: [{ name: 'app' }] } }} />
      </QueryClientProvider>,
    )
    await userEvent.click(screen.getByLabelText('Follow'))
    await vi.waitFor(() => expect(sockets.length).toBeGreaterThan(0))
    const ws = sockets[sockets.length - 1] as FakeSocket
    if (ws.readyState !== 1) act(() => ws.open())
    await vi.waitFor(() => expect(ws.sent.some((m) => m.type === 'logs' && m.pod === 'web-2')).toBe(true))
    const id = ws.sent.find((m) => m.type === 'logs' && m.pod === 'web-2')?.id
    await userEvent.click(screen.getByLabelText('Follow'))
    expect(ws.sent).toContainEqual({ type: 'unsubscribe', id })
    // Lines for a stopped stream are not shown.
    act(() => ws.deliver({ type: 'log', id, lines: ['late line'] }))
    expect(screen.getByTestId('logs').textContent).not.toContain('late line')
  })
})
