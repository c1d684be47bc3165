import { describe, expect, it } from 'vitest'
import { applyDeltas, columnsFor, durationSeconds, filterRows, sortRows, type Row } from './rows'

const pods: Row[] = [
  { name: 'web-1', namespace: 'shop', ready: '1/1', status: 'Running', restarts: 0, age: '5m', created: '2026-01-01T00:05:00Z' },
  { name: 'api-1', namespace: 'shop', ready: '0/1', status: 'CrashLoopBackOff', restarts: 12, age: '2d', created: '2025-12-30T00:00:00Z' },
  { name: 'db-0', namespace: 'data', ready: '1/1', status: 'Running', restarts: 1, age: '3h', created: '2026-01-01T00:00:00Z' },
]

describe('resource rows', () => {
  it('orders columns like kubectl', () => {
    expect(columnsFor('pods', pods, true)).toEqual(['name', 'namespace', 'ready', 'status', 'restarts', 'age'])
    expect(columnsFor('pods', pods, false)[1]).toBe('ready')
  })
  it('sorts restarts numerically and age by creation time', () => {
    expect(sortRows(pods, { col: 'restarts', desc: true }).map((r) => r.name)).toEqual(['api-1', 'db-0', 'web-1'])
    expect(sortRows(pods, { col: 'age', desc: false }).map((r) => r.name)).toEqual(['web-1', 'db-0', 'api-1'])
  })
  it('filters by any column', () => {
    expect(filterRows(pods, 'crashloop').map((r) => r.name)).toEqual(['api-1'])
  })
  it('applies ADDED, MODIFIED and DELETED in place', () => {
    const out = applyDeltas(pods, [
      { type: 'MODIFIED', object: { ...pods[1], status: 'Running', name: 'api-1' } },
      { type: 'DELETED', object: { name: 'web-1', namespace: 'shop' } },
      { type: 'ADDED', object: { name: 'web-2', namespace: 'shop', status: 'Pending' } },
    ])
    expect(out.map((r) => `${r.name}:${r.status}`)).toEqual(['api-1:Running', 'db-0:Running', 'web-2:Pending'])
  })
  it('reads kubectl durations', () => {
    expect(durationSeconds('3d4h')).toBe(3 * 86400 + 4 * 3600)
  })
})
