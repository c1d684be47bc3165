import { useState } from 'react'
import { errorMessage } from '../../api/error'
import { request } from '../../api/transport'

interface Message {
  role: 'user' | 'assistant' | 'error'
  content: string
}

/** A conversation about the current context (`/api/v1/ai/chat`). */
export default function ChatPanel({ context, onClose }: { context?: string; onClose: () => void }) {
  const [messages, setMessages] = useState<Message[]>([])
  const [text, setText] = useState('')
  const [busy, setBusy] = useState(false)
  const [conversation, setConversation] = useState<string | undefined>()

  async function send(e: React.FormEvent) {
    e.preventDefault()
    const q = text.trim()
    if (!q) return
    setText('')
    setMessages((m) => [...m, { role: 'user', content: q }])
    setBusy(true)
    try {
      const r = await request<{ reply?: string; message?: string; content?: string; conversation_id?: string }>('POST', '/api/v1/ai/chat', {
        body: { context, message: q, conversation_id: conversation },
      })
      if (r.conversation_id) setConversation(r.conversation_id)
      setMessages((m) => [...m, { role: 'assistant', content: r.reply ?? r.message ?? r.content ?? '' }])
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
