import { fireEvent, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Topic } from '../../api/live'
import { renderAt, serveLists } from '../../test/fakeSidecar'
import ApprovalsPage from './ApprovalsPage'

/** The topics the page follows, and the function that tells its followers a change happened. */
const followed = vi.hoisted(() => new Map<string, () => void>())
vi.mock('../../api/live', () => ({
  followTopic: (topic: Topic, onMessage: (m: Record<string, unknown>) => void) => {
    followed.set(topic.type, () => onMessage({ type: 'approval' }))
    return () => followed.delete(topic.type)
  },
}))

afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

const waiting = (id: string, operation: string, kind: string, name: string, params: Record<string, unknown> = {}) => ({
  approval: { id, action_id: `act-${id}`, requested_at: '2026-11-27T05:00:00Z', requested_because: `${operation} needs approval (ai.safety_policy.require_approval)` },
  action: {
    id: `act-${id}`,
    context: 'dev',
    created_at: '2026-11-27T05:00:00Z',
    updated_at: '2026-11-27T05:00:00Z',
    kind,
    namespace: 'shop',
    name,
    operation,
    origin: 'user',
    params: { type: operation, ...params },
    risk: 'high',
    state: 'pending_approval',
  },
})

/** What the page sent: method, path and body of every write. */
function writes() {
  return vi
    .mocked(fetch)
    .mock.calls.filter(([, init]) => (init as RequestInit | undefined)?.method === 'POST')
    .map(([url, init]) => [String(url), JSON.parse(String((init as RequestInit).body || 'null'))])
}

describe('ApprovalsPage', () => {
  it('lists what waits, with the object and its parameters, and approving runs it', async () => {
    serveLists(
      {},
      {
        '/approvals/apr-1/approve': { state: 'applied', action_id: 'act-apr-1', outcome: { summary: 'deleted Pod shop/web-1' } },
        '/api/v1/approvals': { items: [waiting('apr-1', 'delete_pod', 'Pod', 'web-1'), waiting('apr-2', 'scale_to_zero', 'Deployment', 'web', { replicas: 0 })] },
      },
    )
    vi.spyOn(window, 'confirm').mockReturnValue(true)
    renderAt('/approvals', '/approvals', <ApprovalsPage />)
    const rows = await screen.findAllByTestId('approval-row')
    expect(rows.map((r) => r.getAttribute('data-id'))).toEqual(['apr-1', 'apr-2'])
    expect(screen.getByRole('link', { name: 'Pod shop/web-1' }).getAttribute('href')).toBe('/c/dev/resources/pods/shop/web-1')
    expect(screen.getByText('to 0 replicas')).toBeTruthy()
    // Why each waits: the safety gate's reason.
    expect(screen.getByText('delete_pod needs approval (ai.safety_policy.require_approval)')).toBeTruthy()

    fireEvent.click(screen.getByRole('button', { name: 'Approve delete_pod on Pod shop/web-1' }))
    expect((await screen.findByTestId('approval-outcome')).textContent).toBe('delete_pod on Pod shop/web-1: Applied: deleted Pod shop/web-1')
    expect(writes()).toEqual([['/api/v1/approvals/apr-1/approve', null]])
  })

  it('asks why before rejecting, and sends nothing without a reason', async () => {
    serveLists(
      {},
      {
        '/approvals/apr-1/reject': { id: 'act-apr-1', state: 'rejected' },
        '/api/v1/approvals': { items: [waiting('apr-1', 'delete_pod', 'Pod', 'web-1')] },
      },
    )
    const prompt = vi.spyOn(window, 'prompt').mockReturnValueOnce('').mockReturnValueOnce('not during the sale')
    renderAt('/approvals', '/approvals', <ApprovalsPage />)
    const reject = await screen.findByRole('button', { name: 'Reject delete_pod on Pod shop/web-1' })
    fireEvent.click(reject)
    await waitFor(() => expect(prompt).toHaveBeenCalledTimes(1))
    expect(writes()).toEqual([])
    fireEvent.click(reject)
    expect((await screen.findByTestId('approval-outcome')).textContent).toContain('Rejected: not during the sale')
    expect(writes()).toEqual([['/api/v1/approvals/apr-1/reject', { reason: 'not during the sale' }]])
  })

  it('shows a change the AI or another client parks for approval as the sidecar announces it', async () => {
    const items: unknown[] = []
    serveLists({}, { '/api/v1/approvals': { items } })
    renderAt('/approvals', '/approvals', <ApprovalsPage />)
    expect(await screen.findByText('Nothing is waiting for approval.')).toBeTruthy()
    items.push(waiting('apr-9', 'delete_pod', 'Pod', 'web-3'))
    followed.get('approvals')?.()
    expect((await screen.findAllByTestId('approval-row')).map((r) => r.getAttribute('data-id'))).toEqual(['apr-9'])
  })

  it('says so when nothing waits', async () => {
    serveLists({}, { '/api/v1/approvals': { items: [] } })
    renderAt('/approvals', '/approvals', <ApprovalsPage />)
    expect(await screen.findByText('Nothing is waiting for approval.')).toBeTruthy()
  })
})
