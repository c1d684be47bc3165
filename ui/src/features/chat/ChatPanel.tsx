import { useState } from 'react'
import { errorMessage } from '../../api/error'
import { Link } from 'react-router'
import { request } from '../../api/transport'
import type { Investigation, SearchResult, Started, TargetSpec } from '../../api/types'
import { candidates, describeTarget, pickTarget } from './target'

interface Message {
  role: 'user' | 'assistant' | 'error'
  content: string
  investigation?: string
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The object (or namespace) the question names, found with the workbench's search; null: the whole cluster. */
async function targetOf(context: string, question: string): Promise<TargetSpec | null> {
  for (const word of candidates(question)) {
    const found = await request<SearchResult>('GET', `/api/v1/clusters/${encodeURIComponent(context)}/search`, { query: { q: word, limit: 50 } })
    const t = pickTarget(word, found.items)
    if (t) return t
  }
  return null
}

/**
 * A conversation about the current context: each question starts an investigation
 * (`POST /api/v1/ai/investigations`) of the object or namespace it names (or of the whole cluster),
 * and the reply is its root cause in one line, with a link to the evidence.
 */
export default function ChatPanel({ context, onClose }: { context?: string; onClose: () => void }) {
  const [messages, setMessages] = useState<Message[]>([])
  const [text, setText] = useState('')
  const [busy, setBusy] = useState(false)

  async function send(e: React.FormEvent) {
    e.preventDefault()
    const q = text.trim()
    if (!q) return
    setText('')
    setMessages((m) => [...m, { role: 'user', content: q }])
    setBusy(true)
    try {
      if (!context) throw new Error('Pick a cluster first: questions are answered about the current context.')
      const target = await targetOf(context, q)
      const { investigation_id: id } = await request<Started>('POST', '/api/v1/ai/investigations', { body: { context, question: q, target } })
      let inv = await request<Investigation>('GET', `/api/v1/ai/investigations/${encodeURIComponent(id)}`)
      for (let i = 0; i < 300 && ['queued', 'gathering', 'analyzing', 'reasoning'].includes(inv.state); i++) {
        await sleep(1000)
        inv = await request<Investigation>('GET', `/api/v1/ai/investigations/${encodeURIComponent(id)}`)
      }
      const scope = `Looked at ${describeTarget(target)}.`
      const reply = inv.root_cause
        ? `${scope}\n${inv.root_cause.code}: ${inv.root_cause.summary}`
        : `${scope}\nThe investigation ended ${inv.state}${inv.error ? `: ${inv.error}` : ''}.`
      setMessages((m) => [...m, { role: 'assistant', content: reply, investigation: id }])
    } catch (err) {
      setMessages((m) => [...m, { role: 'error', content: errorMessage(err) }])
    } finally {
      setBusy(false)
    }
  }

  return (
    <aside id="chat-panel" className="chat" aria-label="Chat">
      <div className="row-between">
        <h2>Chat{context ? ` · ${context}` : ''}</h2>
        <button type="button" onClick={onClose} aria-label="Close chat">
          ×
        </button>
      </div>
      <ol className="chat-log" aria-live="polite">
        {messages.length === 0 && (
          <li className="muted">Ask about this cluster, e.g. “why is checkout failing?”: name a workload, pod or namespace and it is investigated.</li>
        )}
        {messages.map((m, i) => (
          <li key={i} className={`chat-${m.role}`}>
            {m.content}
            {m.investigation && (
              <>
                {' '}
                <Link to={`/investigations/${encodeURIComponent(m.investigation)}`}>Details</Link>
              </>
            )}
          </li>
        ))}
      </ol>
      <form onSubmit={send} className="row">
        <label htmlFor="chat-input" className="visually-hidden">
          Message
        </label>
        <input id="chat-input" value={text} onChange={(e) => setText(e.target.value)} placeholder="Ask…" disabled={busy} />
        <button type="submit" disabled={busy || !text.trim()}>
          Send
        </button>
      </form>
    </aside>
  )
}
