import { describe, expect, it } from 'vitest'
import type { Hit } from '../../api/types'
import { candidates, describeTarget, pickTarget } from './target'

const hit = (kind: string, name: string, namespace?: string): Hit => ({ kind, row: { name, namespace, age: '1m' } as Hit['row'] })

describe('chat targets', () => {
  it('finds the words that could name an object', () => {
    expect(candidates('Why is checkout failing?')).toEqual(['checkout'])
    expect(candidates('what is wrong with the payments-api pods in shop')).toEqual(['payments-api', 'shop'])
    expect(candidates('why is the cluster down?')).toEqual([])
  })
  it('prefers the workload of that exact name, then a namespace', () => {
    const hits = [hit('Service', 'checkout', 'shop'), hit('Pod', 'checkout-7874646d94-8jjvq', 'shop'), hit('Deployment', 'checkout', 'shop')]
    expect(pickTarget('checkout', hits)).toEqual({ kind: 'Deployment', namespace: 'shop', name: 'checkout' })
    expect(pickTarget('checkout', hits.slice(0, 2))).toEqual({ kind: 'Service', namespace: 'shop', name: 'checkout' })
    expect(pickTarget('shop', [hit('Namespace', 'shop'), hit('ConfigMap', 'shop', 'x')])).toEqual({ namespace: 'shop' })
    expect(pickTarget('check', hits)).toBeNull()
  })
  it('says what was looked at', () => {
    expect(describeTarget({ kind: 'Deployment', namespace: 'shop', name: 'checkout' })).toBe('Deployment shop/checkout')
    expect(describeTarget({ namespace: 'shop' })).toBe('namespace shop')
    expect(describeTarget(null)).toBe('the whole cluster')
  })
})
