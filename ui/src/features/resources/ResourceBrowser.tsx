import { useDeferredValue, useMemo, useState } from 'react'
import { useNavigate, useParams, useSearchParams } from 'react-router'
import { errorMessage } from '../../api/error'
import { pluralKind, useKindDef } from './kinds'
import { ResourceTable } from './ResourceTable'
import { columnsFor, Viewer, type Row, type SortSpec } from './rows'
import { useKindSync, useNamespaces, useResourceList } from './useResources'

const NO_ROWS: Row[] = []

/**
 * The order a kind's list opens in when its URL names none: by name, but events by when they were
 * last seen, newest first (an event's name says nothing about it).
 */
const DEFAULT_SORT: Record<string, SortSpec> = { events: { col: 'last_seen', desc: true } }

/** Every kind's list: kubectl's columns, sort, filter by namespace, label selector and text. */
export default function ResourceBrowser() {
  const { context = '', kind = 'pods' } = useParams()
  // Filters, sort and selection belong to one kind's list and start from its URL: moving to
  // another kind or context (the sidebar, the palette) starts a fresh one, not the last kind's.
  return <KindList key={`${context}\u0000${kind}`} context={context} kind={kind} />
}

function KindList({ context, kind }: { context: string; kind: string }) {
  const [params, setParams] = useSearchParams()
  const navigate = useNavigate()
  const namespace = params.get('namespace') ?? ''
  const labelSelector = params.get('labels') ?? ''
  // The text filter lives in the URL (replaced, not pushed), as the audit log's does: a copied link
  // or a reload shows the same rows. Filtering the rows waits for a deferred copy, not the typing.
  const q = params.get('q') ?? ''
  const [labelDraft, setLabelDraft] = useState(labelSelector)
  // Back and Forward change the applied selector without a new page: the field follows it.
  const [labelShown, setLabelShown] = useState(labelSelector)
  if (labelShown !== labelSelector) {
    setLabelShown(labelSelector)
    setLabelDraft(labelSelector)
  }
  const [sort, setSort] = useState<SortSpec>(() => {
    const col = params.get('sort')
    return col ? { col, desc: params.get('desc') === '1' } : (DEFAULT_SORT[kind] ?? { col: 'name', desc: false })
  })
  const [selected, setSelected] = useState<string | null>(null)
  const def = useKindDef(context, kind)
  const namespaced = def?.namespaced ?? true
  const list = useResourceList(context, kind, { namespace: namespaced ? namespace || undefined : undefined, labelSelector: labelSelector || undefined })
  const namespaces = useNamespaces(namespaced ? context : undefined)
  const sync = useKindSync(context, kind)
  // A user bound to one namespace may not list namespaces, but has that one.
  const only = sync?.namespace
  const namespaceOptions = useMemo(() => {
    const known = namespaces.data ?? []
    return only && !known.includes(only) ? [...known, only] : known
  }, [namespaces.data, only])
  const deferredQ = useDeferredValue(q)

  const rows = list.data
  // The same array while the columns stay the same, so a live change re-renders only its own row.
  const columnsKey = useMemo(() => columnsFor(kind, rows ?? [], namespaced && !namespace).join('\u0000'), [kind, rows, namespaced, namespace])
  const columns = useMemo(() => columnsKey.split('\u0000'), [columnsKey])
  // Remembers the last view, so a batch of live changes patches it instead of sorting every row again.
  const [viewer] = useState(() => new Viewer())
  const visible = useMemo(() => viewer.show(rows ?? NO_ROWS, deferredQ, sort), [viewer, rows, deferredQ, sort])

  function set(k: string, v: string) {
    // From the latest URL, not this render's: keystrokes may come faster than renders.
    setParams((p) => (v ? p.set(k, v) : p.delete(k), p), { replace: true })
  }
  function open(r: Row) {
    navigate(`/c/${encodeURIComponent(context)}/resources/${kind}/${encodeURIComponent(r.namespace ?? '_')}/${encodeURIComponent(r.name)}`)
  }

  const title = def?.kind ? pluralKind(def.kind) : kind
  return (
    <div className="page page-fill">
      <div className="row-between">
        <h1>{title}</h1>
        <span className="muted" aria-live="polite" data-testid="row-count">
          {list.isSuccess ? `${visible.length} of ${rows?.length ?? 0}` : ''}
        </span>
      </div>
      <div className="row filters" role="search">
        {namespaced && (
          <label>
            Namespace{' '}
            <select value={namespace} onChange={(e) => set('namespace', e.target.value)} data-testid="namespace-filter">
              <option value="">All namespaces</option>
              {namespaceOptions.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        )}
        <form
          onSubmit={(e) => {
            e.preventDefault()
            set('labels', labelDraft.trim())
          }}
        >
          <label>
            Labels{' '}
            <input value={labelDraft} onChange={(e) => setLabelDraft(e.target.value)} placeholder="app=web,tier!=db" aria-describedby="label-help" />
          </label>
          <span id="label-help" className="visually-hidden">
            A label selector as kubectl -l takes it; press Enter to apply.
          </span>
        </form>
        <label>
          Filter{' '}
          <input type="search" value={q} onChange={(e) => set('q', e.target.value)} placeholder="name, status, node…" data-testid="text-filter" />
        </label>
      </div>
      {sync?.state === 'forbidden' ? (
        <p className="warn-box" role="status" data-testid="kind-forbidden">
          Your credentials may not list {title} here ({sync.message}). Ask a cluster admin for list and watch rights on {kind}, or switch to a
          context that has them.
        </p>
      ) : sync?.namespace ? (
        <p className="muted" role="status" data-testid="kind-narrowed">
          Namespace {sync.namespace} only: your credentials may not list {title} in every namespace.
        </p>
      ) : null}
      {list.error ? (
        <p className="error" role="alert">
          {errorMessage(list.error)}
        </p>
      ) : list.isLoading ? (
        <p>Loading {title}…</p>
      ) : (
        <ResourceTable
          rows={visible}
          columns={columns}
          sort={sort}
          onSort={(s) => {
            setSort(s)
            const p = new URLSearchParams(params)
            p.set('sort', s.col)
            if (s.desc) p.set('desc', '1')
            else p.delete('desc')
            setParams(p, { replace: true })
          }}
          selected={selected}
          onSelect={setSelected}
          onOpen={open}
          label={`${title} in ${namespace || 'all namespaces'}`}
        />
      )}
    </div>
  )
}
