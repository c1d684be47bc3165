import { useState } from 'react'
import { Link, useParams } from 'react-router'
import { errorMessage } from '../../api/error'
import type { ObjectRef, ProposedAction } from '../../api/pending'
import { kindPath } from '../resources/kinds'
import { isActive, useCancelInvestigation, useDecide, useInvestigation } from './useInvestigations'

const PROGRESS = ['queued', 'gathering', 'analyzing', 'reasoning', 'concluded']

export default function InvestigationDetail() {
  const { id = '' } = useParams()
  const inv = useInvestigation(id)
  const cancel = useCancelInvestigation()
  if (inv.isLoading) return <p className="page">Loading…</p>
  if (inv.error) return <p className="page error">{errorMessage(inv.error)}</p>
  const i = inv.data
  if (!i) return null
  const ctx = i.context ?? ''
  const step = PROGRESS.indexOf(i.state)
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
      <ol className="progress" aria-label="Progress">
        {PROGRESS.map((s, n) => (
          <li key={s} className={n < step ? 'done' : n === step ? 'current' : ''} aria-current={n === step ? 'step' : undefined}>
            {s}
          </li>
        ))}
      </ol>
      <p role="status" data-testid="investigation-state">
        State: <strong>{i.state}</strong>
        {i.error && <span className="error"> — {i.error}</span>}
      </p>
      {i.root_cause && (
        <section className="card root-cause" aria-labelledby="rc-title" data-testid="root-cause">
          <h2 id="rc-title">
            Root cause: <code>{i.root_cause.code}</code>
          </h2>
          <p>{i.root_cause.summary}</p>
          {i.root_cause.explanation && <p>{i.root_cause.explanation}</p>}
          {i.root_cause.confidence !== undefined && <p className="muted">Confidence {Math.round(i.root_cause.confidence * 100)}%{i.llm_used === false ? ' · built-in analyzers (no LLM)' : ''}</p>}
        </section>
      )}
      {!!i.evidence?.length && (
        <section className="card" aria-labelledby="ev-title">
          <h2 id="ev-title">Evidence</h2>
          <ul>
            {i.evidence.map((e, n) => (
              <li key={n}>
                {e.object && <ObjLink ctx={ctx} o={e.object} />} <span className="muted">{e.source ?? e.kind}</span> <span className="evidence">{e.summary ?? e.text}</span>
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
              <ActionItem key={a.action_id ?? a.id ?? n} a={a} investigationId={id} ctx={ctx} />
            ))}
          </ul>
        </section>
      )}
    </div>
  )
}

function ObjLink({ ctx, o }: { ctx: string; o: ObjectRef }) {
  if (!o.kind || !o.name) return null
  return (
    <Link to={`/c/${encodeURIComponent(ctx)}/resources/${kindPath(o.kind)}/${encodeURIComponent(o.namespace || '_')}/${encodeURIComponent(o.name)}`}>
      {o.kind} {o.name}
    </Link>
  )
}

function ActionItem({ a, investigationId, ctx }: { a: ProposedAction; investigationId: string; ctx: string }) {
  const decide = useDecide(investigationId)
  const [reason, setReason] = useState('')
  const id = a.action_id ?? a.id ?? ''
  const state = a.state ?? a.status ?? 'proposed'
  const pending = /proposed|pending|awaiting/.test(state)
  return (
    <li className="proposed" data-testid="proposed-action">
      <div>
        <strong>{a.description ?? a.summary ?? a.operation ?? a.type}</strong> {a.target && <ObjLink ctx={ctx} o={a.target} />}{' '}
        {a.risk && <span className="pill pill-neutral">risk: {a.risk}</span>} <span className="pill pill-neutral">{state}</span>
      </div>
      {a.reason && <p className="muted small">{a.reason}</p>}
      {pending && id && (
        <div className="row">
          <button type="button" className="primary" disabled={decide.isPending} onClick={() => decide.mutate({ id, decision: 'approve' })}>
            Approve
          </button>
          <label className="visually-hidden" htmlFor={`reason-${id}`}>
            Reason for rejecting
          </label>
          <input id={`reason-${id}`} value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Reason (for reject)" />
          <button type="button" disabled={decide.isPending} onClick={() => decide.mutate({ id, decision: 'reject', reason })}>
            Reject
          </button>
        </div>
      )}
      {decide.error && (
        <p className="error" role="alert">
          {errorMessage(decide.error)}
        </p>
      )}
      {decide.data && <p role="status">{decide.data.message ?? decide.data.result ?? decide.data.status}</p>}
    </li>
  )
}
