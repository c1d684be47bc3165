import dagre from '@dagrejs/dagre'
import type { TopoEdge, TopoNode } from './useTopology'

export const NODE_W = 180
export const NODE_H = 44

export interface Placed {
  nodes: (TopoNode & { x: number; y: number })[]
  edges: { from: string; to: string; type?: string; points: { x: number; y: number }[] }[]
  width: number
  height: number
}

/** Left-to-right layered layout (owners on the left, what they own to the right). */
export function layout(nodes: TopoNode[], edges: TopoEdge[]): Placed {
  const g = new dagre.graphlib.Graph()
  g.setGraph({ rankdir: 'LR', nodesep: 16, ranksep: 60, marginx: 20, marginy: 20 })
  g.setDefaultEdgeLabel(() => ({}))
  for (const n of nodes) g.setNode(n.id, { width: NODE_W, height: NODE_H })
  const ids = new Set(nodes.map((n) => n.id))
  const es = edges
    .map((e) => ({ from: e.from, to: e.to, type: e.type }))
    .filter((e) => ids.has(e.from) && ids.has(e.to))
  for (const e of es) g.setEdge(e.from, e.to)
  dagre.layout(g)
  const graph = g.graph()
  return {
    nodes: nodes.map((n) => {
      const p = g.node(n.id)
      return { ...n, x: p.x - NODE_W / 2, y: p.y - NODE_H / 2 }
    }),
    edges: es.map((e) => ({ ...e, points: g.edge(e.from, e.to)?.points ?? [] })),
    width: graph.width ?? 0,
    height: graph.height ?? 0,
  }
}
