import { describe, expect, it } from 'vitest'
import type { ClusterList } from '../../api/types'
import { contextProblem } from './contextProblem'

const ctx = (name: string, more: Partial<ClusterList['items'][number]> = {}): ClusterList['items'][number] => ({
  name,
  cluster: name,
  auth: 'token',
  connected: true,
  current: false,
  origin: 'default',
  source: '/home/u/.kube/config',
  ...more,
})

describe('contextProblem', () => {
  it('says a context named by a link or the last session is gone, and what to do', () => {
    const text = contextProblem('old-prod', { items: [ctx('prod')] })
    expect(text).toContain('no context named "old-prod"')
    expect(text).toContain('Pick another one in the context switcher, or add one in Settings › Contexts')
  })

  it('names an unreachable cluster with its failure', () => {
    const text = contextProblem('prod', {
      items: [ctx('prod', { reachable: false, failure: { kind: 'unreachable', message: 'connection refused' } })],
    })
    expect(text).toContain('Cluster "prod" is unreachable: connection refused.')
  })

  it('is quiet while the contexts load and for a reachable one', () => {
    expect(contextProblem('prod', undefined)).toBeNull()
    expect(contextProblem(undefined, { items: [] })).toBeNull()
    expect(contextProblem('prod', { items: [ctx('prod', { reachable: true })] })).toBeNull()
  })
})
