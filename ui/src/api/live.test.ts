import { describe, expect, it, vi } from 'vitest'
import { dispatch, followTopic, subscribe } from './live'

vi.mock('./transport', () => ({ openSocket: () => new Promise(() => {}) }))

describe('live deltas', () => {
  it('routes a batch to the subscribers of its context, kind and namespace', () => {
    const shop = vi.fn()
    const all = vi.fn()
    const nodes = vi.fn()
    const resync = vi.fn()
    const off = [
      subscribe({ context: 'c1', kind: 'pods', namespace: 'shop' }, shop, resync),
      subscribe({ context: 'c1', kind: 'pods' }, all, resync),
      subscribe({ context: 'c1', kind: 'nodes' }, nodes, resync),
    ]
    dispatch(
      JSON.stringify({
        type: 'deltas',
        context: 'c1',
        events: [
          { seq: 1, kind: 'pods', type: 'ADDED', namespace: 'shop', name: 'web', row: { name: 'web', namespace: 'shop', status: 'Running' } },
          { seq: 2, kind: 'pods', type: 'DELETED', namespace: 'data', name: 'db-0', row: null },
        ],
      }),
    )
    expect(shop).toHaveBeenCalledWith([{ type: 'ADDED', context: 'c1', kind: 'pods', object: { name: 'web', namespace: 'shop', status: 'Running' }, seq: 1 }])
    expect(all.mock.calls[0]?.[0]).toHaveLength(2)
    expect(all.mock.calls[0]?.[0][1]).toMatchObject({ type: 'DELETED', object: { name: 'db-0', namespace: 'data' } })
    expect(nodes).not.toHaveBeenCalled()
    dispatch(JSON.stringify({ type: 'resync', context: 'c1', kind: '*' }))
    expect(resync).toHaveBeenCalledTimes(3)
    off.forEach((f) => f())
  })
})

describe('live subscriptions', () => {
  it("tells a kind's subscribers where the server's numbering stood when it took the subscription", () => {
    const at = vi.fn()
    const off = subscribe({ context: 'c2', kind: 'pods', namespace: 'shop' }, () => {}, () => {}, at)
    dispatch(JSON.stringify({ type: 'subscribed', id: 'c2\u0000pods\u0000shop', context: 'c2', kind: 'pods', seq: 42 }))
    expect(at).toHaveBeenCalledWith(42)
    off()
  })
})

describe('live topics', () => {
  it('routes a topic message to its followers only, and tells them to read again when they fell behind', () => {
    const approvals = vi.fn()
    const approvalsResync = vi.fn()
    const shop = vi.fn()
    const other = vi.fn()
    const noop = () => {}
    const off = [
      followTopic({ type: 'approvals' }, approvals, approvalsResync),
      followTopic({ type: 'insights', context: 'shop' }, shop, noop),
      followTopic({ type: 'insights', context: 'other' }, other, noop),
    ]
    const change = { type: 'approval', id: 'topic:approvals:*', change: { approval_id: 'apr-1', state: 'requested' } }
    dispatch(JSON.stringify(change))
    expect(approvals).toHaveBeenCalledWith(change)
    dispatch(JSON.stringify({ type: 'insights_changed', id: 'topic:insights:shop', context: 'shop' }))
    expect(shop).toHaveBeenCalledTimes(1)
    expect(other).not.toHaveBeenCalled()
    dispatch(JSON.stringify({ type: 'resync', id: 'topic:approvals:*', reason: 'fell behind' }))
    expect(approvalsResync).toHaveBeenCalledTimes(1)
    expect(approvals).toHaveBeenCalledTimes(1)
    // The server's confirmation (first subscription, or again after a reconnect): read again, as
    // something may have changed before the subscription took effect.
    dispatch(JSON.stringify({ type: 'subscribed', id: 'topic:approvals:*', approvals: '*' }))
    expect(approvalsResync).toHaveBeenCalledTimes(2)
    expect(approvals).toHaveBeenCalledTimes(1)
    off.forEach((f) => f())
    dispatch(JSON.stringify(change))
    expect(approvals).toHaveBeenCalledTimes(1)
  })

  it('shares one subscription between followers of the same topic and keeps it until the last stops', () => {
    const a = vi.fn()
    const b = vi.fn()
    const offA = followTopic({ type: 'investigations', investigation_id: 'inv-1' }, a, () => {})
    const offB = followTopic({ type: 'investigations', investigation_id: 'inv-1' }, b, () => {})
    const step = { type: 'investigation', id: 'topic:investigations:inv-1', progress: { investigation_id: 'inv-1', state: 'gathering' } }
    dispatch(JSON.stringify(step))
    expect([a.mock.calls.length, b.mock.calls.length]).toEqual([1, 1])
    offA()
    dispatch(JSON.stringify(step))
    expect([a.mock.calls.length, b.mock.calls.length]).toEqual([1, 2])
    offB()
  })
})
