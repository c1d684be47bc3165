import { describe, expect, it, vi } from 'vitest'
import { dispatch, subscribe } from './live'

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
    expect(shop).toHaveBeenCalledWith([{ type: 'ADDED', context: 'c1', kind: 'pods', object: { name: 'web', namespace: 'shop', status: 'Running' } }])
    expect(all.mock.calls[0]?.[0]).toHaveLength(2)
    expect(all.mock.calls[0]?.[0][1]).toMatchObject({ type: 'DELETED', object: { name: 'db-0', namespace: 'data' } })
    expect(nodes).not.toHaveBeenCalled()
    dispatch(JSON.stringify({ type: 'resync', context: 'c1', kind: '*' }))
    expect(resync).toHaveBeenCalledTimes(3)
    off.forEach((f) => f())
  })
})
