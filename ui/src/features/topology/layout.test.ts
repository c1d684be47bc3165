import { describe, expect, it } from 'vitest'
import { layout, NODE_H, NODE_W, type Group } from './layout'
import type { TopoEdge, TopoNode } from './useTopology'

const node = (kind: string, namespace: string | null, name: string): TopoNode => ({
  id: `${kind}/${namespace ?? ''}/${name}`,
  kind,
  namespace,
  name,
  health: 'healthy',
  reason: '',
})
const edge = (from: TopoNode, to: TopoNode, type: TopoEdge['type']): TopoEdge => ({ from: from.id, to: to.id, type })

/** A Deployment → ReplicaSet → Pod chain in `ns`, its pod scheduled on `on`. */
function workload(ns: string, name: string, on: TopoNode) {
  const d = node('Deployment', ns, name)
  const rs = node('ReplicaSet', ns, `${name}-1`)
  const p = node('Pod', ns, `${name}-1-a`)
  return { nodes: [d, rs, p], edges: [edge(d, rs, 'owns'), edge(rs, p, 'owns'), edge(p, on, 'scheduled_on')] }
}

const inside = (g: Group, n: { x: number; y: number }) =>
  n.x >= g.x && n.y >= g.y && n.x + NODE_W <= g.x + g.width && n.y + NODE_H <= g.y + g.height
const overlap = (a: Group, b: Group) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height

describe('topology layout', () => {
  it('keeps each namespace together in its own box when the graph spans several, with nodes outside them', () => {
    const kwok = node('Node', null, 'kwok-node-0')
    const parts = [workload('shop', 'web', kwok), workload('shop', 'api', kwok), workload('payments', 'ledger', kwok)]
    const placed = layout(
      [kwok, ...parts.flatMap((p) => p.nodes)],
      parts.flatMap((p) => p.edges),
    )
    expect(placed.groups.map((g) => g.namespace)).toEqual(['payments', 'shop'])
    const [payments, shop] = placed.groups as [Group, Group]
    expect(overlap(payments, shop)).toBe(false)
    for (const n of placed.nodes) {
      const own = placed.groups.find((g) => g.namespace === n.namespace)
      if (own) expect(inside(own, n), `${n.id} inside its namespace's box`).toBe(true)
      for (const other of placed.groups.filter((g) => g !== own)) expect(inside(other, n), `${n.id} outside ${other.namespace}`).toBe(false)
    }
    expect(placed.edges).toHaveLength(9)
  })

  it('draws no boxes for one namespace, and owners left of what they own', () => {
    const kwok = node('Node', null, 'kwok-node-0')
    const { nodes, edges } = workload('shop', 'web', kwok)
    const placed = layout([kwok, ...nodes], edges)
    expect(placed.groups).toEqual([])
    const x = (id: string) => placed.nodes.find((n) => n.id === id)?.x ?? NaN
    expect(x('Deployment/shop/web')).toBeLessThan(x('ReplicaSet/shop/web-1'))
    expect(x('ReplicaSet/shop/web-1')).toBeLessThan(x('Pod/shop/web-1-a'))
  })
})
