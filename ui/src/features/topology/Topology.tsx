import { useMemo, useRef, useState } from 'react'
import { useNavigate, useParams, useSearchParams } from 'react-router'
import { errorMessage } from '../../api/error'
import { objectRoute } from '../resources/kinds'
import { useNamespaces, withChosen } from '../resources/useResources'
import { layout, NODE_H, NODE_W } from './layout'
import { useTopology } from './useTopology'

/** Hops from a root object: its owners, what it runs and what those use, without the whole namespace. */
const DEFAULT_DEPTH = 2
const HOME = { x: 0, y: 0, k: 1 }

/** The topology graph: automatic layout, zoom and pan, health colours, click through. */
export default function Topology() {
  const { context = '' } = useParams()
  const [params, setParams] = useSearchParams()
  const namespace = params.get('namespace') ?? ''
  const root = params.get('root') ?? ''
  const depth = Number(params.get('depth') ?? DEFAULT_DEPTH) || DEFAULT_DEPTH
  // The root is applied on Enter: every keystroke of "Deployment/shop/web" is not a query.
  const [rootDraft, setRootDraft] = useState(root)
  const namespaces = useNamespaces(context)
  const topo = useTopology(context, { namespace: namespace || undefined, root: root || undefined, depth: root ? depth : undefined })
  const placed = useMemo(() => (topo.data ? layout(topo.data.nodes, topo.data.edges) : null), [topo.data])
  const [view, setView] = useState(HOME)
  // Another graph (namespace, root, hops or context; also by Back and Forward, which keep this
  // page) starts from its own root and unpanned: the last graph's pan and zoom would place this one
  // wrongly. State adjusted while rendering, not remounted, so the control in use keeps its focus.
  const graph = [context, namespace, root, depth].join('\u0000')
  const [drawn, setDrawn] = useState(graph)
  if (drawn !== graph) {
    setDrawn(graph)
    setRootDraft(root)
    setView(HOME)
  }
  const drag = useRef<{ x: number; y: number } | null>(null)
  const navigate = useNavigate()

  return (
    <div className="page page-fill">
      <div className="row-between">
        <h1>Topology</h1>
        <div className="row">
          <label>
            Namespace{' '}
            <select value={namespace} onChange={(e) => setParams((p) => (e.target.value ? p.set('namespace', e.target.value) : p.delete('namespace'), p))}>
              <option value="">All namespaces</option>
              {withChosen(namespaces.data, namespace).map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <form
            onSubmit={(e) => {
              e.preventDefault()
              const r = rootDraft.trim()
              setParams((p) => (r ? p.set('root', r) : p.delete('root'), p))
            }}
          >
            <label>
              Root{' '}
              <input value={rootDraft} placeholder="Deployment/shop/web" aria-describedby="root-help" onChange={(e) => setRootDraft(e.target.value)} />
            </label>
            <span id="root-help" className="visually-hidden">
              Kind/namespace/name of the object to start from; press Enter to apply, clear it for the whole graph.
            </span>
          </form>
          {root && (
            <label>
              Hops{' '}
              <select value={depth} onChange={(e) => setParams((p) => (p.set('depth', e.target.value), p))}>
                {[1, 2, 3, 4, 5].map((d) => (
                  <option key={d} value={d}>
                    {d}
                  </option>
                ))}
              </select>
            </label>
          )}
          <button type="button" onClick={() => setView((v) => ({ ...v, k: Math.min(3, v.k * 1.2) }))} aria-label="Zoom in">
            +
          </button>
          <button type="button" onClick={() => setView((v) => ({ ...v, k: Math.max(0.2, v.k / 1.2) }))} aria-label="Zoom out">
            −
          </button>
          <button type="button" onClick={() => setView(HOME)}>
            Reset
          </button>
        </div>
      </div>
      {topo.error && <p className="error">{errorMessage(topo.error)}</p>}
      {topo.isLoading && <p>Loading topology…</p>}
      {placed && placed.nodes.length === 0 && (
        <p className="muted" data-testid="topology-empty">
          {root ? `No object ${root}: write the root as Kind/namespace/name (e.g. Deployment/shop/web), or clear it.` : 'No objects to draw in this scope.'}
        </p>
      )}
      {placed && placed.nodes.length > 0 && (
        <svg
          className="topology"
          role="img"
          aria-label={`Topology graph with ${placed.nodes.length} objects`}
          onWheel={(e) => {
            const f = e.deltaY < 0 ? 1.1 : 1 / 1.1
            setView((v) => ({ ...v, k: Math.min(3, Math.max(0.2, v.k * f)) }))
          }}
          onPointerDown={(e) => {
            drag.current = { x: e.clientX - view.x, y: e.clientY - view.y }
          }}
          onPointerMove={(e) => {
            if (drag.current) setView((v) => ({ ...v, x: e.clientX - (drag.current?.x ?? 0), y: e.clientY - (drag.current?.y ?? 0) }))
          }}
          onPointerUp={() => (drag.current = null)}
          onPointerLeave={() => (drag.current = null)}
        >
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
              <path d="M 0 0 L 10 5 L 0 10 z" className="edge-head" />
            </marker>
          </defs>
          <g transform={`translate(${view.x},${view.y}) scale(${view.k})`}>
            {placed.groups.map((grp) => (
              <g key={grp.namespace} className="tgroup" data-testid="topology-namespace" data-namespace={grp.namespace}>
                <rect x={grp.x} y={grp.y} width={grp.width} height={grp.height} rx={8} />
                <text x={grp.x + 8} y={grp.y + 13}>
                  {grp.namespace}
                </text>
              </g>
            ))}
            {placed.edges.map((e, i) => (
              <polyline key={i} className="edge" markerEnd="url(#arrow)" points={e.points.map((p) => `${p.x},${p.y}`).join(' ')}>
                <title>{e.type}</title>
              </polyline>
            ))}
            {placed.nodes.map((n) => (
              <g
                key={n.id}
                transform={`translate(${n.x},${n.y})`}
                className={`tnode health-${n.health ?? 'unknown'}`}
                tabIndex={0}
                role="link"
                aria-label={`${n.kind} ${n.name}, ${n.health ?? 'unknown'}${n.reason ? `: ${n.reason}` : ''}`}
                onClick={() => navigate(objectRoute(context, n.kind, n.namespace, n.name))}
                onKeyDown={(e) => e.key === 'Enter' && (e.currentTarget as SVGGElement).dispatchEvent(new MouseEvent('click', { bubbles: true }))}
              >
                <rect width={NODE_W} height={NODE_H} rx={6} />
                <text x={8} y={17} className="tkind">
                  {n.kind}
                </text>
                <text x={8} y={34} className="tname">
                  {n.name.length > 24 ? n.name.slice(0, 23) + '…' : n.name}
                </text>
                {/* The whole name (the box cuts long ones), and why it is unhealthy. */}
                <title>{`${n.kind} ${n.namespace ? `${n.namespace}/` : ''}${n.name}${n.reason ? `: ${n.reason}` : ''}`}</title>
              </g>
            ))}
          </g>
        </svg>
      )}
    </div>
  )
}
