import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import { errorMessage } from '../../api/error'
import { request } from '../../api/transport'
import type { ChatAnswer, SearchResult, TargetSpec } from '../../api/types'
import { approvalsChanged } from '../approvals/useApprovals'
import { candidates, describeTarget, pickTarget } from './target'

interface Message {
  role: 'user' | 'assistant' | 'error'
  content: string
  /** kubectl's output: its columns only line up in a fixed-width font. */
  command?: boolean
}

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
 * A conversation about the current context (`POST /api/v1/ai/chat`): a question about the object
 * or namespace it names (or the whole cluster) is answered by the LLM, or without one by the
 * analyzers (templated); a message starting with `kubectl` is one command: reads run, changes wait
 * for approval.
 */
export default function ChatPanel({ context, onClose }: { context?: string; onClose: () => void }) {
  const [messages, setMessages] = useState<Message[]>([])
  const [text, setText] = useState('')
  const [busy, setBusy] = useState(false)
  const [conversation, setConversation] = useState<{ id: string; context: string } | null>(null)
  const input = useRef<HTMLInputElement>(null)
  const qc = useQueryClient()
  // Typing goes to the message box when the panel opens and again once an answer is in (the
  // box is disabled, and so loses focus, while a question is being answered).
  useEffect(() => {
    if (!busy) input.current?.focus()
  }, [busy])
  // The newest message stays in view as the conversation grows.
  const end = useRef<HTMLLIElement>(null)
  // A block, not an expression: newer browsers return a promise from scrollIntoView, and React
  // would take anything returned for a cleanup function.
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'end' })
  }, [messages])

  async function send(e: React.FormEvent) {
    e.preventDefault()
    const q = text.trim()
    if (!q) return
    setText('')
    setMessages((m) => [...m, { role: 'user', content: q }])
    setBusy(true)
    try {
      if (!context) throw new Error('Pick a cluster first: questions are answered about the current context.')
      const isCommand = /^kubectl(\s|$)/.test(q)
      const target = isCommand ? null : await targetOf(context, q)
      // A conversation belongs to one context; switching clusters starts a new one.
      const conversation_id = conversation?.context === context ? conversation.id : null
      const answer = await request<ChatAnswer>('POST', '/api/v1/ai/chat', { body: { context, conversation_id, message: q, target } })
      setConversation({ id: answer.conversation_id, context })
      const waits = answer.commands.some((c) => c.status === 'pending_approval')
      if (waits) approvalsChanged(qc)
      const reply =
        (isCommand ? answer.reply : `Looked at ${describeTarget(target)}.\n${answer.reply}`) + (waits ? '\nApprove or reject it under Approvals (in the sidebar).' : '')
      setMessages((m) => [...m, { role: 'assistant', content: reply, command: isCommand }])
    } catch (err) {
      setMessages((m) => [...m, { role: 'error', content: errorMessage(err) }])
    } finally {
      setBusy(false)
    }
  }

  return (
    <aside id="chat-panel" className="chat" aria-label="Chat" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="row-between">
        <h2>Chat{context ? ` · ${context}` : ''}</h2>
        <button type="button" onClick={onClose} aria-label="Close chat">
          ×
        </button>
      </div>
      <ol className="chat-log" aria-live="polite">
        {messages.length === 0 && (
          <li className="muted">
            Ask about this cluster, e.g. “why is checkout failing?” (name a workload, pod or namespace), or type one command such as “kubectl get pods -n shop”.
          </li>
        )}
        {messages.map((m, i) => (
          <li key={i} className={`chat-${m.role}${m.command ? ' chat-command' : ''}`}>
            {m.content}
          </li>
        ))}
        <li ref={end} aria-hidden="true" className="chat-end" />
      </ol>
      <form onSubmit={send} className="row">
        <label htmlFor="chat-input" className="visually-hidden">
          Message
        </label>
        <input ref={input} id="chat-input" value={text} onChange={(e) => setText(e.target.value)} placeholder="Ask…" disabled={busy} />
        <button type="submit" disabled={busy || !text.trim()}>
          Send
        </button>
      </form>
    </aside>
  )
}
