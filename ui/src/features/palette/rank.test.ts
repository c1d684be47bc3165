import { describe, expect, it } from 'vitest'
import { rank } from './rank'

const items = ['Pod', 'PersistentVolumeClaim', 'Deployment', 'Go to Topology', 'PodDisruptionBudget'].map((label) => ({ label }))

describe('command palette ranking', () => {
  it('puts substring matches first, earliest first', () => {
    expect(rank(items, 'pod').map((i) => i.label)).toEqual(['Pod', 'PodDisruptionBudget'])
  })
  it('matches subsequences like pvc', () => {
    expect(rank(items, 'pvc').map((i) => i.label)).toContain('PersistentVolumeClaim')
  })
  it('returns everything for an empty query', () => {
    expect(rank(items, ' ')).toHaveLength(items.length)
  })
})
