import dagre from '@dagrejs/dagre'
import type { TopoEdge, TopoNode } from './useTopology'

export const NODE_W = 180
export const NODE_H = 44

/** The box drawn around one namespace's objects when the graph spans several. */
export interface Group {
  namespace: string
  x: number
  y: number
  width: number
  height: number
}

export interface Placed {
  nodes: (TopoNode & { x: number; y: number })[]
  edges: { from: string; to: string; type?: string; points: { x: number; y: number }[] }[]
  /** One per namespace when the objects come from more than one; empty otherwise. */
  groups: Group[]
  width: number
  height: number
}

const groupId = (namespace: string) => `namespace:${namespace}`

/**
 * Left-to-right layered layout (owners on the left, what they own to the right). When the objects
 * come from several namespaces each namespace is laid out as one group, so a namespace's objects
 * stay together instead of interleaving with another's (cluster-scoped objects, such as nodes,
 * stay outside every group).
 */
export function layout(nodes: TopoNode[], edges: TopoEdge[]): Placed {
  const namespaces = [...new Set(nodes.map((n) => n.namespace).filter((ns): ns is string => !!ns))].sort()
  const grouped = namespaces.length > 1
  const g = new dagre.graphlib.Graph({ compound: grouped })
  // Wider gaps between grouped namespaces leave room for each group's label.
  g.setGraph({ rankdir: 'LR', nodesep: grouped ? 28 : 16, ranksep: 60, marginx: 20, marginy: 20 })
  g.setDefaultEdgeLabel(() => ({}))
  if (grouped) for (const ns of namespaces) g.setNode(groupId(ns), {})
  for (const n of nodes) {
    g.setNode(n.id, { width: NODE_W, height: NODE_H })
    if (grouped && n.namespace) g.setParent(n.id, groupId(n.namespace))
  }
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
    groups: grouped
      ? namespaces.map((namespace) => {
          const p = g.node(groupId(namespace))
          return { namespace, x: p.x - p.width / 2, y: p.y - p.height / 2, width: p.width, height: p.height }
        })
      : [],
    width: graph.width ?? 0,
    height: graph.height ?? 0,
  }
}
