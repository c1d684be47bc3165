import { useState } from 'react'
import { Link, useParams } from 'react-router'
import { errorMessage } from '../../api/error'
import type { Investigation, ObjectRef, ProposedAction } from '../../api/types'
import { Time } from '../../app/Time'
import { outcomeOf } from '../actions/outcome'
import { objectRoute } from '../resources/kinds'
import { describeFix } from './fix'
import { isActive, useApproveFix, useCancelInvestigation, useInvestigation, useRejectFix } from './useInvestigations'

const PROGRESS = ['queued', 'gathering', 'analyzing', 'reasoning', 'concluded']

export default function InvestigationDetail() {
  const { id = '' } = useParams()
  const inv = useInvestigation(id)
  const cancel = useCancelInvestigation()
  if (inv.isPending) return <p className="page">Loading…</p>
  if (inv.error) return <p className="page error">{errorMessage(inv.error)}</p>
  const i = inv.data
  if (!i) return null
  const ctx = i.context
  const step = PROGRESS.indexOf(i.state)
  const visited = new Set<string>((i.steps ?? []).map((st) => st.state))
  const explanation = explanationBody(i)
  return (
    <div className="page stack">
      <nav aria-label="Breadcrumb" className="small">
        <Link to="/investigations">Investigations</Link>
      </nav>
      <div className="row-between">
        <h1>
          Investigation of {i.target?.kind ? `${i.target.kind} ${i.target.name}` : i.target?.namespace ? `namespace ${i.target.namespace}` : 'the cluster'}
        </h1>
        {isActive(i.state) && (
          <button type="button" onClick={() => cancel.mutate(id)}>
            Cancel
          </button>
        )}
      </div>
      <p className="muted" data-testid="investigation-where">
        Context {ctx}
        {i.target?.namespace && ` · namespace ${i.target.namespace}`} · started <Time at={i.created_at} />
      </p>
      <ol className="progress" aria-label="Progress">
        {PROGRESS.map((s, n) => {
          // A stage the investigation passed without entering (reasoning, without an LLM) is not shown as done.
          const skipped = n < step && !visited.has(s)
          return (
            <li key={s} className={skipped ? 'skipped' : n < step ? 'done' : n === step ? 'current' : ''} aria-current={n === step ? 'step' : undefined}>
              {s}
              {skipped && <span className="visually-hidden"> (skipped)</span>}
            </li>
          )
        })}
      </ol>
      <p role="status" data-testid="investigation-state">
        State: <strong>{i.state}</strong>
        {!i.error && i.steps?.length ? <span className="muted"> — {i.steps[i.steps.length - 1]?.detail}</span> : null}
        {i.error && <span className="error"> — {i.error}</span>}
      </p>
      {i.root_cause && (
        <section className="card root-cause" aria-labelledby="rc-title" data-testid="root-cause">
          <h2 id="rc-title">
            Root cause: <code>{i.root_cause.code}</code>
          </h2>
          <p>{i.root_cause.summary}</p>
          {explanation && <p className="explanation">{explanation}</p>}
          <p className="muted">
            Confidence {Math.round(i.root_cause.confidence * 100)}%{i.conclusion_source === 'analyzers' ? ' · built-in analyzers' : i.conclusion_source === 'llm' ? ' · LLM' : ''}
            {i.llm_note && ` · ${i.llm_note}`}
          </p>
        </section>
      )}
      {!!i.cited_evidence?.length && (
        <section className="card" aria-labelledby="cited-title" data-testid="cited-evidence">
          <h2 id="cited-title">What the LLM cites</h2>
          <ul>
            {i.cited_evidence.map((text, n) => (
              <li key={n}>
                <span className="evidence">{text}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
      {!!i.evidence?.length && (
        <section className="card" aria-labelledby="ev-title">
          <h2 id="ev-title">{i.cited_evidence?.length ? 'Evidence the analyzers found' : 'Evidence'}</h2>
          <ul>
            {i.evidence.map((e, n) => (
              <li key={n}>
                <ObjLink ctx={ctx} o={e.object} /> <span className="muted">
                  {e.source} {e.at}
                </span>{' '}
                <span className="evidence">{e.text}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
      {!!i.proposed_actions?.length && (
        <section className="card" aria-labelledby="pa-title">
          <h2 id="pa-title">Proposed actions</h2>
          <ul className="plain stack">
            {i.proposed_actions.map((a, n) => (
              <ActionItem key={n} a={a} investigationId={id} ctx={ctx} />
            ))}
          </ul>
        </section>
      )}
    </div>
  )
}

/**
 * The explanation below the summary. The analyzers' templated one opens with "CODE — summary.",
 * which the card's heading and first line already say, and then lists the evidence that the
 * Evidence card below shows with links to the objects: the card keeps what the code means and what
 * else was seen. An LLM's explanation is its own words: shown whole.
 */
function explanationBody(i: Pick<Investigation, 'explanation' | 'conclusion_source' | 'root_cause' | 'evidence'>): string {
  const text = i.explanation ?? ''
  const opening = `${i.root_cause?.code ?? ''} — `
  if (i.conclusion_source !== 'analyzers' || !i.root_cause || !text.startsWith(opening)) return text
  const lines = text.split('\n').slice(1)
  if (!i.evidence?.length) return lines.join('\n')
  // The evidence block runs from its heading to the template's next part (an evidence text may
  // itself span lines, so "- " prefixes do not say where it ends).
  const start = lines.findIndex((l) => l === 'Evidence:' || l === 'Observed:')
  if (start < 0) return lines.join('\n')
  const after = lines.findIndex((l, n) => n > start && (l.startsWith('Also seen: ') || l.startsWith('(Concluded by ')))
  return [...lines.slice(0, start), ...(after < 0 ? [] : lines.slice(after))].join('\n')
}

function ObjLink({ ctx, o }: { ctx: string; o: ObjectRef }) {
  return (
    <Link to={objectRoute(ctx, o.kind, o.namespace, o.name)}>
      {o.kind} {o.name}
    </Link>
  )
}

/** A proposed fix with the gate's decision; Approve carries it out through the safety gate. */
function ActionItem({ a, investigationId, ctx }: { a: ProposedAction; investigationId: string; ctx: string }) {
  const approve = useApproveFix(ctx, investigationId)
  const reject = useRejectFix(investigationId)
  const [rejected, setRejected] = useState<string | null>(null)
  const [reason, setReason] = useState('')
  const runnable = a.action.type !== 'manual' && a.decision !== 'refused' && a.decision !== 'advice' && !a.result
  const done = approve.data?.state === 'applied'
  const key = `${investigationId}-${a.operation}`
  return (
    <li className="proposed" data-testid="proposed-action">
      <div>
        <strong>{describeFix(a.action)}</strong> {'target' in a.action && <ObjLink ctx={ctx} o={a.action.target} />}{' '}
        <span className="pill pill-neutral">{a.decision.replace('_', ' ')}</span> <span className="muted small">proposed by {a.proposed_by}</span>
      </div>
      {a.reason && <p className="muted small">{a.reason}</p>}
      {a.result && <p className="small">{a.result}</p>}
      {runnable && !done && !rejected && (
        <div className="row">
          <button type="button" className="primary" disabled={approve.isPending} onClick={() => approve.mutate(a)}>
            {approve.isPending ? 'Applying…' : 'Approve'}
          </button>
          <label className="visually-hidden" htmlFor={`reason-${key}`}>
            Reason for rejecting
          </label>
          <input id={`reason-${key}`} value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Reason (for reject)" />
          <button type="button" disabled={approve.isPending || reject.isPending} onClick={() => {
              const why = reason || 'rejected'
              if (a.approval_id) reject.mutate({ approvalId: a.approval_id, reason: why }, { onSuccess: () => setRejected(why) })
              else setRejected(why)
            }}>
            Reject
          </button>
        </div>
      )}
      {rejected && <p role="status">Rejected: {rejected}</p>}
      {(approve.error || reject.error) && (
        <p className="error" role="alert">
          {errorMessage(approve.error ?? reject.error)}
        </p>
      )}
      {approve.data && (
        <p role={approve.data.state === 'applied' ? 'status' : 'alert'} className={approve.data.state === 'applied' ? '' : 'error'} data-testid="fix-result">
          {outcomeOf(approve.data).text}
        </p>
      )}
    </li>
  )
}
