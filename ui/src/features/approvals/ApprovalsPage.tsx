import { useState } from 'react'
import { Link } from 'react-router'
import { errorMessage } from '../../api/error'
import { outcomeOf, type Outcome } from '../actions/outcome'
import { objectRoute } from '../resources/kinds'
import { useDecide, usePendingApprovals, type PendingApproval } from './useApprovals'
import { Time } from '../../app/Time'

/** "Pod shop/web-1", "Node n1". */
function objectName(a: PendingApproval['action']): string {
  return `${a.kind} ${a.namespace ? `${a.namespace}/` : ''}${a.name}`
}

/** The change's own parameters beyond its type ("3 replicas"), if any. */
function details(params: Record<string, unknown>): string {
  const { type: _type, ...rest } = params
  if (typeof rest.replicas === 'number') return `to ${rest.replicas} replica${rest.replicas === 1 ? '' : 's'}`
  const keys = Object.keys(rest)
  return keys.length ? JSON.stringify(rest) : ''
}

/**
 * Changes the safety policy holds for a person's decision: what, on which object, asked by whom,
 * since when. Approving runs the change (through the gate again); rejecting needs a reason. Both
 * go to the audit log.
 */
export default function ApprovalsPage() {
  const pending = usePendingApprovals()
  const { approve, reject } = useDecide()
  // What each decision did, kept after its row leaves the list.
  const [done, setDone] = useState<{ id: string; what: string; outcome: Outcome }[]>([])
  const busy = approve.isPending || reject.isPending

  const decide = async (p: PendingApproval, how: 'approve' | 'reject') => {
    const what = `${p.action.operation} on ${objectName(p.action)}`
    let outcome: Outcome
    try {
      if (how === 'approve') {
        if (!window.confirm(`Approve ${what}? It runs now.`)) return
        outcome = outcomeOf(await approve.mutateAsync(p.approval.id))
      } else {
        const reason = window.prompt(`Why reject ${what}? (kept in the audit log)`)
        if (!reason?.trim()) return
        await reject.mutateAsync({ id: p.approval.id, reason: reason.trim() })
        outcome = { ok: true, text: `Rejected: ${reason.trim()}` }
      }
    } catch (e) {
      outcome = { ok: false, text: errorMessage(e) }
    }
    setDone((d) => [{ id: p.approval.id, what, outcome }, ...d])
  }

  return (
    <div className="page stack">
      <h1>Approvals</h1>
      <p className="muted">
        Changes wait here when the safety policy asks for a person&apos;s decision: operations it lists under “require approval”, anything in a protected
        namespace, and what the AI may not do on its own at the current autonomy level (<Link to="/settings/safety">Settings › Safety</Link>).
      </p>
      {done.length > 0 && (
        <ul className="stack" aria-label="Decisions made">
          {done.map((d) => (
            <li key={d.id} role={d.outcome.ok ? 'status' : 'alert'} className={d.outcome.ok ? '' : 'error'} data-testid="approval-outcome">
              {d.what}: {d.outcome.text}
            </li>
          ))}
        </ul>
      )}
      {pending.error && <p className="error">{errorMessage(pending.error)}</p>}
      <table className="simple" aria-label="Changes waiting for approval">
        <thead>
          <tr>
            <th scope="col">Requested</th>
            <th scope="col">Operation</th>
            <th scope="col">Object</th>
            <th scope="col">Asked by</th>
            <th scope="col">Decision</th>
          </tr>
        </thead>
        <tbody>
          {(pending.data ?? []).map((p) => {
            const a = p.action
            const object = objectName(a)
            return (
              <tr key={p.approval.id} data-testid="approval-row" data-id={p.approval.id}>
                <td>
                  <Time at={p.approval.requested_at} />
                </td>
                <td>
                  <code>{a.operation}</code> <span className="muted small">{a.risk} risk</span>
                  {details(a.params) && <div className="small">{details(a.params)}</div>}
                  {p.approval.requested_because && <div className="muted small">{p.approval.requested_because}</div>}
                </td>
                <td>
                  <Link to={objectRoute(a.context, a.kind, a.namespace, a.name)}>
                    {object}
                  </Link>
                  <div className="muted small">{a.context}</div>
                </td>
                <td>
                  {a.origin === 'ai' ? 'the AI' : 'a person'}
                  {a.investigation_id && (
                    <div className="small">
                      <Link to={`/investigations/${encodeURIComponent(a.investigation_id)}`}>its investigation</Link>
                    </div>
                  )}
                </td>
                <td>
                  <div className="row">
                    <button type="button" className="primary" disabled={busy} onClick={() => void decide(p, 'approve')} aria-label={`Approve ${a.operation} on ${object}`}>
                      Approve
                    </button>
                    <button type="button" disabled={busy} onClick={() => void decide(p, 'reject')} aria-label={`Reject ${a.operation} on ${object}`}>
                      Reject
                    </button>
                  </div>
                </td>
              </tr>
            )
          })}
          {pending.isSuccess && pending.data.length === 0 && (
            <tr>
              <td colSpan={5} className="muted">
                Nothing is waiting for approval.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  )
}
