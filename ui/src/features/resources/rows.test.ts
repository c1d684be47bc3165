import { describe, expect, it } from 'vitest'
import { ageOf, applyDeltas, columnsFor, durationSeconds, filterRows, humanAge, indexOfKey, sortRows, statusTone, view, type Row, type RowDelta } from './rows'

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
  it('prints ages as kubectl does, counting from the creation time', () => {
    expect([59, 119, 150, 600, 2700, 5 * 3600 + 1800, 30 * 3600, 3 * 86400 + 4 * 3600, 20 * 86400, 800 * 86400, 3000 * 86400].map(humanAge)).toEqual([
      '59s',
      '119s',
      '2m30s',
      '10m',
      '45m',
      '5h30m',
      '30h',
      '3d4h',
      '20d',
      '2y70d',
      '8y',
    ])
    const created = '2026-01-01T00:00:00Z'
    expect(ageOf({ name: 'a', created, age: '1s' }, Date.parse(created) + 90_000)).toBe('90s')
    expect(ageOf({ name: 'a', created, age: '1s' }, Date.parse(created) + 3_600_000)).toBe('60m')
    expect(ageOf({ name: 'b', age: '4d' }, Date.now())).toBe('4d')
  })
  it('finds a row by its key, the hinted place first', () => {
    expect(indexOfKey(pods, 'data/db-0')).toBe(2)
    expect(indexOfKey(pods, 'data/db-0', 2)).toBe(2)
    expect(indexOfKey(pods, 'shop/api-1', 0)).toBe(1)
    expect(indexOfKey(pods, 'shop/db-0')).toBe(-1)
    expect(indexOfKey([{ name: 'n1' }], '/n1')).toBe(0)
  })
  it('reads kubectl durations', () => {
    expect(durationSeconds('3d4h')).toBe(3 * 86400 + 4 * 3600)
  })
})

describe('live views', () => {
  const many = (n: number): Row[] =>
    Array.from({ length: n }, (_, i) => ({ name: `pod-${String((i * 7919) % n).padStart(5, '0')}`, namespace: `ns-${i % 3}`, status: i % 5 ? 'Running' : 'Pending', restarts: i % 4 }))
  const byName = { col: 'name', desc: false }

  it('patches the previous order when changed rows keep their place, and equals a full sort', () => {
    const rows = many(500)
    const v1 = view(null, rows, '', byName)
    const changed = applyDeltas(rows, [
      { type: 'MODIFIED', object: { ...rows[10], status: 'CrashLoopBackOff' } },
      { type: 'MODIFIED', object: { ...rows[20], restarts: 9 } },
    ])
    const v2 = view(v1, changed, '', byName)
    expect(v2.visible).not.toBe(v1.visible)
    expect(v2.patched).toBe(true) // not re-sorted
    expect(v2.visible).toEqual(sortRows(changed, byName))
    expect(v2.visible.find((r) => r.name === rows[10]?.name)?.status).toBe('CrashLoopBackOff')
    // The next batch patches again with the index the last one left.
    const again = applyDeltas(changed, [{ type: 'MODIFIED', object: { ...changed[30], status: 'Error' } }])
    const v3 = view(v2, again, '', byName)
    expect(v3.visible).toEqual(sortRows(again, byName))
  })

  it('moves a changed row to its new place, and in or out of the filter, without sorting again', () => {
    const rows = many(300)
    const byStatus = { col: 'status', desc: false }
    const v1 = view(null, rows, '', byStatus)
    const moved = applyDeltas(rows, [{ type: 'MODIFIED', object: { ...rows[1], status: 'Error' } }])
    const v2 = view(v1, moved, '', byStatus)
    expect(v2.patched).toBe(true)
    expect(v2.visible).toEqual(sortRows(moved, byStatus))
    expect(v2.visible[0]?.status).toBe('Error')

    const f1 = view(null, rows, 'pending', byName)
    const left = applyDeltas(rows, [{ type: 'MODIFIED', object: { ...rows[0], status: 'Running' } }])
    const f2 = view(f1, left, 'pending', byName)
    expect(f2.patched).toBe(true)
    expect(f2.visible).toEqual(sortRows(filterRows(left, 'pending'), byName))
    expect(f2.visible).toHaveLength(f1.visible.length - 1)
  })

  it('patches across several batches applied before the view is computed again', () => {
    const rows = many(300)
    const byStatus = { col: 'status', desc: false }
    const v1 = view(null, rows, '', byStatus)
    let r = rows
    for (let k = 0; k < 5; k++) {
      r = applyDeltas(r, [
        { type: 'MODIFIED', object: { ...(r[k * 7] as Row), status: 'Error' } },
        { type: 'ADDED', object: { name: `added-${k}`, namespace: 'ns-1', status: 'Pending' } },
        { type: 'DELETED', object: { name: (r[k * 11 + 1] as Row).name, namespace: (r[k * 11 + 1] as Row).namespace } },
      ])
    }
    const v2 = view(v1, r, '', byStatus)
    expect(v2.patched).toBe(true)
    expect(v2.visible).toEqual(sortRows(r, byStatus))
    // Beyond the log's depth it sorts again, and is just as right.
    for (let k = 0; k < 8; k++) r = applyDeltas(r, [{ type: 'MODIFIED', object: { ...(r[k] as Row), restarts: 99 } }])
    const v3 = view(v2, r, '', byStatus)
    expect(v3.patched).toBe(false)
    expect(v3.visible).toEqual(sortRows(r, byStatus))
  })

  it('equals a full sort after any run of batches, whatever the sort and filter', () => {
    let seed = 7
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    const statuses = ['Running', 'Pending', 'Error', 'CrashLoopBackOff']
    const sorts = [byName, { col: 'status', desc: false }, { col: 'restarts', desc: true }, { col: 'namespace', desc: true }]
    for (const sort of sorts) {
      for (const q of ['', 'pending']) {
        let rows = many(400)
        let v = view(null, rows, q, sort)
        let made = 0
        for (let batch = 0; batch < 40; batch++) {
          const deltas: RowDelta[] = []
          for (let k = rand(12); k >= 0; k--) {
            const r = rows[rand(rows.length)] as Row
            const kind = rand(10)
            if (kind < 6) deltas.push({ type: 'MODIFIED', object: { ...r, status: statuses[rand(4)], restarts: rand(5) } })
            else if (kind < 8) deltas.push({ type: 'DELETED', object: { name: r.name, namespace: r.namespace } })
            else deltas.push({ type: 'ADDED', object: { name: `new-${made++}`, namespace: `ns-${rand(3)}`, status: statuses[rand(4)], restarts: rand(5) } })
          }
          rows = applyDeltas(rows, deltas)
          if (rand(3) === 0) continue // a view only every few batches, as when batches arrive faster than renders
          v = view(v, rows, q, sort)
          expect(v.patched).toBe(true)
          expect(v.visible).toEqual(sortRows(filterRows(rows, q), sort))
        }
      }
    }
  })

  it('keeps the view when nothing changed, and follows additions and deletions', () => {
    const rows = many(50)
    const v1 = view(null, rows, '', byName)
    expect(view(v1, rows, '', byName)).toBe(v1)
    const added = applyDeltas(rows, [{ type: 'ADDED', object: { name: 'aaa', namespace: 'ns-0', status: 'Pending' } }])
    const v2 = view(v1, added, '', byName)
    expect(v2.visible[0]?.name).toBe('aaa')
    const removed = applyDeltas(added, [{ type: 'DELETED', object: { name: 'aaa', namespace: 'ns-0' } }])
    expect(view(v2, removed, '', byName).visible).toEqual(sortRows(rows, byName))
    // The key index handed from array to array stays right after removals and re-additions.
    const back = applyDeltas(removed, [{ type: 'MODIFIED', object: { ...rows[3], status: 'Gone' } }])
    expect(back.filter((r) => r.status === 'Gone')).toHaveLength(1)
    expect(back).toHaveLength(50)
  })
})

describe('statusTone', () => {
  it("colours a Deployment's status by what it means for its pods", () => {
    expect(['Available', 'Progressing', 'Degraded', 'Unavailable', 'ProgressDeadlineExceeded', 'ScaledToZero'].map(statusTone)).toEqual([
      'ok',
      'warn',
      'warn',
      'bad',
      'bad',
      'neutral',
    ])
  })
})
