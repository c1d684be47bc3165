import { useMemo, useRef, useState, useEffect } from 'react'
import { useNavigate } from 'react-router'
import type { KindDef } from '../resources/kinds'
import { rank } from './rank'

export interface Command {
  id: string
  label: string
  hint?: string
  run: () => void
}


export default function CommandPalette({ context, kinds, onClose }: { context?: string; kinds: KindDef[]; onClose: () => void }) {
  const navigate = useNavigate()
  const [query, setQuery] = useState('')
  const [active, setActive] = useState(0)
  const input = useRef<HTMLInputElement>(null)
  useEffect(() => input.current?.focus(), [])

  const commands = useMemo<Command[]>(() => {
    const go = (to: string) => () => {
      navigate(to)
      onClose()
    }
    const c = context ? `/c/${encodeURIComponent(context)}` : null
    const list: Command[] = []
    if (c) {
      list.push({ id: 'overview', label: 'Go to Overview', run: go(`${c}/overview`) })
      list.push({ id: 'topology', label: 'Go to Topology', run: go(`${c}/topology`) })
      for (const k of kinds) list.push({ id: `kind-${k.name}`, label: `${k.kind}${k.crd ? ' (custom resource)' : ''}`, hint: 'list', run: go(`${c}/resources/${k.name}`) })
      list.push({ id: 'investigate-cluster', label: 'Investigate the whole cluster', hint: 'action', run: go(`/investigations?start=cluster`) })
    }
    list.push({ id: 'investigations', label: 'Go to Investigations', run: go('/investigations') })
    list.push({ id: 'insights', label: 'Go to Insights', run: go('/insights') })
    list.push({ id: 'audit', label: 'Go to Audit log', run: go('/audit') })
    list.push({ id: 'settings', label: 'Open Settings', run: go('/settings/general') })
    list.push({ id: 'contexts', label: 'Switch or import a context', hint: 'settings', run: go('/settings/contexts') })
    list.push({ id: 'safety', label: 'Safety policy', hint: 'settings', run: go('/settings/safety') })
    list.push({ id: 'health', label: 'Run the health check', hint: 'settings', run: go('/settings/about') })
    list.push({ id: 'wizard', label: 'Run the setup wizard again', run: go('/welcome/connect') })
    return list
  }, [context, kinds, navigate, onClose])

  const results = rank(commands, query).slice(0, 50)
  const sel = Math.min(active, Math.max(0, results.length - 1))

  return (
    <div className="modal-backdrop" onMouseDown={onClose}>
      <div role="dialog" aria-modal="true" aria-label="Command palette" className="palette" onMouseDown={(e) => e.stopPropagation()}>
        <input
          ref={input}
          role="combobox"
          aria-expanded="true"
          aria-controls="palette-list"
          aria-activedescendant={results[sel] ? `cmd-${results[sel].id}` : undefined}
          aria-label="Search kinds and actions"
          placeholder="Type a kind, page or action…"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value)
            setActive(0)
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault()
              setActive((a) => Math.min(a + 1, results.length - 1))
            } else if (e.key === 'ArrowUp') {
              e.preventDefault()
              setActive((a) => Math.max(a - 1, 0))
            } else if (e.key === 'Enter') {
              results[sel]?.run()
            } else if (e.key === 'Escape') {
              onClose()
            }
          }}
        />
        <ul id="palette-list" role="listbox" aria-label="Commands">
          {results.map((r, i) => (
            <li key={r.id} id={`cmd-${r.id}`} role="option" aria-selected={i === sel} className={i === sel ? 'active' : ''} onMouseEnter={() => setActive(i)} onClick={r.run}>
              {r.label}
              {r.hint && <span className="muted small"> {r.hint}</span>}
            </li>
          ))}
          {results.length === 0 && <li className="muted">Nothing matches “{query}”.</li>}
        </ul>
      </div>
    </div>
  )
}
