import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query'
import { render, screen, waitFor } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import type { Topic } from './live'
import { useTopic } from './useTopic'

/** The followers of each topic: calling one is the sidecar announcing a change. */
const followers = vi.hoisted(() => new Map<string, (m: Record<string, unknown>) => void>())
vi.mock('./live', () => ({
  followTopic: (topic: Topic, onMessage: (m: Record<string, unknown>) => void) => {
    followers.set(topic.type, onMessage)
    return () => followers.delete(topic.type)
  },
}))

/** A sidecar whose answers the test releases one by one: each read gets the state at the time it was made. */
function slowSidecar() {
  let state = 'gathering'
  const pending: (() => void)[] = []
  const read = vi.fn(() => {
    const answer = state
    return new Promise<string>((resolve) => pending.push(() => resolve(answer)))
  })
  return {
    read,
    set: (s: string) => (state = s),
    answerAll: () => pending.splice(0).forEach((answer) => answer()),
  }
}

function Investigation({ read }: { read: () => Promise<string> }) {
  useTopic({ type: 'investigations', investigation_id: 'i-1' }, [['investigation', 'i-1']])
  const q = useQuery({ queryKey: ['investigation', 'i-1'], queryFn: read })
  return <p data-testid="state">{q.data ?? 'loading'}</p>
}

describe('useTopic', () => {
  it('reads again after a change announced while the first read was still on its way', async () => {
    const sidecar = slowSidecar()
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    render(
      <QueryClientProvider client={qc}>
        <Investigation read={sidecar.read} />
      </QueryClientProvider>,
    )
    await waitFor(() => expect(sidecar.read).toHaveBeenCalledTimes(1))
    // The investigation concludes after the first read was answered but before the page has the
    // answer; the announcement is the last one it will get.
    sidecar.set('concluded')
    followers.get('investigations')?.({ type: 'investigation', progress: { state: 'concluded' } })
    // The read in flight lands with what it read (the page shows it), then the page reads again.
    sidecar.answerAll()
    await waitFor(() => expect(screen.getByTestId('state').textContent).toBe('gathering'))
    await waitFor(() => expect(sidecar.read).toHaveBeenCalledTimes(2))
    sidecar.answerAll()
    await waitFor(() => expect(screen.getByTestId('state').textContent).toBe('concluded'))
  })
})
