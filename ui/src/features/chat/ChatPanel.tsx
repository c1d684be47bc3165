import { useState } from 'react'
import { errorMessage } from '../../api/error'
import { Link } from 'react-router'
import { request } from '../../api/transport'
import type { Investigation, Started } from '../../api/types'

interface Message {
  role: 'user' | 'assistant' | 'error'
  content: string
  investigation?: string
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * A conversation about the current context: each question starts an investigation of the
 * cluster with that question (`POST /api/v1/ai/investigations`), and its conclusion is the reply.
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
      const { investigation_id: id } = await request<Started>('POST', '/api/v1/ai/investigations', { body: { context, question: q } })
      let inv = await request<Investigation>('GET', `/api/v1/ai/investigations/${encodeURIComponent(id)}`)
      for (let i = 0; i < 300 && ['queued', 'gathering', 'analyzing', 'reasoning'].includes(inv.state); i++) {
        await sleep(1000)
        inv = await request<Investigation>('GET', `/api/v1/ai/investigations/${encodeURIComponent(id)}`)
      }
      const reply = inv.root_cause
        ? `${inv.root_cause.code}: ${inv.root_cause.summary}${inv.explanation ? `\n${inv.explanation}` : ''}`
        : `The investigation ended ${inv.state}${inv.error ? `: ${inv.error}` : ''}.`
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
        {messages.length === 0 && <li className="muted">Ask about this cluster, e.g. “why is checkout failing?”</li>}
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
