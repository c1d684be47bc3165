import { Fragment, useState } from 'react'
import { Link, useSearchParams } from 'react-router'
import { errorMessage } from '../../api/error'
import { objectRoute } from '../resources/kinds'
import { AUDIT_PAGE, decisionTone, KNOWN_DECISIONS, matchesText, mergePages, targetLabel, useAuditLog, type AuditRecord } from './useAuditLog'
import { Time } from '../../app/Time'

/** Long ids and free text wrap anywhere rather than widen the table past the window. */
const WRAP = { overflowWrap: 'anywhere' } as const
/** Free text stays readable while it wraps: at least a few words a line. */
const TEXT = { overflowWrap: 'anywhere', minWidth: '16ch' } as const

const COLUMNS = ['Details', 'Time', 'Actor', 'Decision', 'Operation', 'Target', 'Result', 'Reason', 'Request ID']

/**
 * The audit log: every action that reached the safety gate (by a user or the AI), whatever the
 * gate decided, newest first, with the object's state before and after an applied change.
 */
export default function AuditLog({ pageSize = AUDIT_PAGE }: { pageSize?: number }) {
  const [params, setParams] = useSearchParams()
  const text = params.get('q') ?? ''
  const decision = params.get('decision') ?? ''
  const log = useAuditLog(pageSize)
  const [open, setOpen] = useState<ReadonlySet<number>>(new Set())

  const records = mergePages(log.data?.pages)
  const total = log.data?.pages.at(-1)?.total ?? 0
  const shown = records.filter((r) => (!decision || r.decision === decision) && matchesText(r, text))
  const filtered = !!(text.trim() || decision)
  const decisions = [...new Set([...KNOWN_DECISIONS, ...records.map((r) => r.decision)])]
  const setParam = (k: string, v: string) => setParams((p) => (v ? p.set(k, v) : p.delete(k), p), { replace: true })
  const toggle = (id: number) =>
    setOpen((s) => {
      const n = new Set(s)
      if (!n.delete(id)) n.add(id)
      return n
    })

  return (
    <div className="page stack">
      <div className="row-between">
        <h1>Audit log</h1>
        <button type="button" onClick={() => void log.refetch()} disabled={log.isFetching}>
          {log.isFetching && !log.isFetchingNextPage ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <p className="muted">
        Every action that reached the safety gate, by you or by the AI, and what the gate decided: who, what, on which object, the result and the request id to look up in
        the sidecar log. Refused and rejected actions are recorded too.
      </p>
      <div className="row" role="search" aria-label="Filter the audit log">
        <label>
          Filter{' '}
          <input
            type="search"
            value={text}
            onChange={(e) => setParam('q', e.target.value)}
            placeholder="actor, operation, object, request id…"
            data-testid="audit-filter"
          />
        </label>
        <label>
          Decision{' '}
          <select value={decision} onChange={(e) => setParam('decision', e.target.value)} data-testid="audit-decision">
            <option value="">any</option>
            {decisions.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        {filtered && (
          <button type="button" className="link" onClick={() => setParams(new URLSearchParams(), { replace: true })}>
            Clear filters
          </button>
        )}
        {log.isSuccess && (
          <span className="muted" role="status" data-testid="audit-count">
            {filtered
              ? `${shown.length} of ${records.length} loaded record${records.length === 1 ? '' : 's'} match`
              : `${records.length} of ${total} record${total === 1 ? '' : 's'}`}
          </span>
        )}
      </div>
      {log.isPending ? (
        <p className="muted" role="status">
          Loading the audit log…
        </p>
      ) : log.isError && !log.data ? (
        <div role="alert" className="stack" data-testid="audit-error">
          <p className="error">The audit log could not be loaded: {errorMessage(log.error)}</p>
          <p className="muted">Check that the Kubilitics backend is running (Settings › About runs a health check), then try again.</p>
          <div>
            <button type="button" onClick={() => void log.refetch()}>
              Try again
            </button>
          </div>
        </div>
      ) : (
        <>
          <table className="simple" data-testid="audit">
            <caption className="visually-hidden">Audit records, newest first</caption>
            <thead>
              <tr>
                {COLUMNS.map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {records.length === 0 && (
                <tr>
                  <td colSpan={COLUMNS.length} className="muted" data-testid="audit-empty">
                    Nothing recorded yet. An action on an object (scale, restart, roll back, drain, a YAML apply, or a fix the AI proposes) writes a record here, whether the
                    safety gate allows it or not.
                  </td>
                </tr>
              )}
              {records.length > 0 && shown.length === 0 && (
                <tr>
                  <td colSpan={COLUMNS.length} className="muted" data-testid="audit-no-match">
                    No loaded record matches{text.trim() ? ` “${text.trim()}”` : ''}
                    {decision ? ` with decision ${decision}` : ''}. Clear the filters{log.hasNextPage ? ', or load older records below' : ''}.
                  </td>
                </tr>
              )}
              {shown.map((r) => (
                <AuditRow key={r.id} r={r} open={open.has(r.id)} onToggle={() => toggle(r.id)} />
              ))}
            </tbody>
          </table>
          {log.isError && <p className="error" role="alert">{`More records could not be loaded: ${errorMessage(log.error)} Try again.`}</p>}
          {log.hasNextPage && (
            <div>
              <button type="button" onClick={() => void log.fetchNextPage()} disabled={log.isFetchingNextPage} data-testid="audit-more">
                {log.isFetchingNextPage ? 'Loading…' : `Load older records (${total - records.length} more)`}
              </button>
            </div>
          )}
        </>
      )}
    </div>
  )
}

function AuditRow({ r, open, onToggle }: { r: AuditRecord; open: boolean; onToggle: () => void }) {
  const target = targetLabel(r)
  const detailsId = `audit-details-${r.id}`
  return (
    <Fragment>
      <tr data-testid="audit-row" data-id={r.id}>
        <td>
          <button type="button" aria-expanded={open} aria-controls={open ? detailsId : undefined} aria-label={`${open ? 'Hide' : 'Show'} details of record ${r.id}`} onClick={onToggle}>
            {open ? 'Hide' : 'Show'}
          </button>
        </td>
        <td className="muted">
          <Time at={r.at} />
        </td>
        <td>{r.actor}</td>
        <td>
          <span className={`pill ${decisionTone(r.decision)}`}>{r.decision}</span>
        </td>
        <td>
          <code>{r.operation}</code>
        </td>
        <td>
          {r.context && r.kind && r.name ? (
            <Link to={objectRoute(r.context, r.kind, r.namespace, r.name)}>{target}</Link>
          ) : (
            target
          )}
          {r.context && <div className="muted small">{r.context}</div>}
        </td>
        <td style={TEXT}>{r.result ?? <span className="muted">—</span>}</td>
        <td style={TEXT}>{r.reason ?? <span className="muted">—</span>}</td>
        <td style={WRAP}>
          {r.request_id ? (
            <code>{r.request_id}</code>
          ) : (
            <span className="muted">—</span>
          )}
        </td>
      </tr>
      {open && (
        <tr id={detailsId} data-testid="audit-details">
          <td colSpan={COLUMNS.length}>
            <dl className="kv-list small">
              <dt>Record</dt>
              <dd>
                {r.id} at {r.at}
              </dd>
              {r.action_id && (
                <>
                  <dt>Action id</dt>
                  <dd>
                    <code>{r.action_id}</code>
                  </dd>
                </>
              )}
            </dl>
            {r.before == null && r.after == null ? (
              <p className="muted">No before/after state: only a change that was carried out records the object as it was and as it became.</p>
            ) : (
              <div className="two-col">
                <State label="Before" value={r.before} />
                <State label="After" value={r.after} />
              </div>
            )}
          </td>
        </tr>
      )}
    </Fragment>
  )
}

function State({ label, value }: { label: string; value: unknown }) {
  return (
    <section aria-label={label}>
      <h3>{label}</h3>
      {value == null ? <p className="muted">Not recorded.</p> : <pre className="logs">{JSON.stringify(value, null, 2)}</pre>}
    </section>
  )
}
