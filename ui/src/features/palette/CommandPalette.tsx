import { useQuery } from '@tanstack/react-query'
import { useEffect, useMemo, useRef, useState } from 'react'
import { useNavigate } from 'react-router'
import { request } from '../../api/transport'
import type { SearchResult } from '../../api/types'
import { objectRoute, type KindDef } from '../resources/kinds'
import { usePageCommandList, type Command } from './pageCommands'
import { rank } from './rank'

/** `value`, once it has stopped changing for `ms`: one search per pause in typing, not per key. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms)
    return () => clearTimeout(t)
  }, [value, ms])
  return settled
}

/** Objects of the context whose name (or labels, for `app=web`) match what was typed, from the sidecar's cache. */
function useObjectHits(context: string | undefined, query: string) {
  const q = useSettled(query.trim(), 150)
  return useQuery({
    queryKey: ['palette-search', context, q],
    enabled: !!context && q.length >= 2,
    queryFn: async () =>
      (await request<SearchResult>('GET', `/api/v1/clusters/${encodeURIComponent(context ?? '')}/search`, { query: { q, limit: 20 } })).items,
    // The last answer stays while the next is on its way: the list does not flash empty.
    placeholderData: (previous) => previous,
    staleTime: 5_000,
  })
}

export default function CommandPalette({ context, kinds, onClose }: { context?: string; kinds: KindDef[]; onClose: () => void }) {
  const navigate = useNavigate()
  const [query, setQuery] = useState('')
  const [active, setActive] = useState(0)
  const input = useRef<HTMLInputElement>(null)
  useEffect(() => input.current?.focus(), [])

  const pageCommands = usePageCommandList()
  const hits = useObjectHits(context, query)
  const commands = useMemo<Command[]>(() => {
    const go = (to: string) => () => {
      navigate(to)
      onClose()
    }
    const c = context ? `/c/${encodeURIComponent(context)}` : null
    // The page's own commands (the object on screen's actions) first; the palette closes before
    // one runs, so a confirmation it asks for is not hidden behind the palette.
    const list: Command[] = pageCommands.map((p) => ({
      ...p,
      run: () => {
        onClose()
        p.run()
      },
    }))
    if (c) {
      list.push({ id: 'overview', label: 'Go to Overview', run: go(`${c}/overview`) })
      list.push({ id: 'topology', label: 'Go to Topology', run: go(`${c}/topology`) })
      for (const k of kinds) list.push({ id: `kind-${k.name}`, label: `${k.kind}${k.crd ? ' (custom resource)' : ''}`, hint: 'list', run: go(`${c}/resources/${k.name}`) })
      list.push({ id: 'investigate-cluster', label: 'Investigate the whole cluster', hint: 'action', run: go(`/investigations?start=cluster`) })
    }
    list.push({ id: 'investigations', label: 'Go to Investigations', run: go('/investigations') })
    list.push({ id: 'insights', label: 'Go to Insights', run: go('/insights') })
    list.push({ id: 'approvals', label: 'Go to Approvals', hint: 'changes waiting for a decision', run: go('/approvals') })
    list.push({ id: 'audit', label: 'Go to Audit log', run: go('/audit') })
    list.push({ id: 'settings', label: 'Open Settings', run: go('/settings/general') })
    list.push({ id: 'contexts', label: 'Switch or import a context', hint: 'settings', run: go('/settings/contexts') })
    list.push({ id: 'safety', label: 'Safety policy', hint: 'settings', run: go('/settings/safety') })
    list.push({ id: 'health', label: 'Run the health check', hint: 'settings', run: go('/settings/about') })
    list.push({ id: 'wizard', label: 'Run the setup wizard again', run: go('/welcome/connect') })
    return list
  }, [context, kinds, navigate, onClose, pageCommands])

  const objects = useMemo<Command[]>(() => {
    if (!context || query.trim().length < 2) return []
    return (hits.data ?? []).map((h) => {
      const ns = h.row.namespace ?? undefined
      return {
        id: `obj-${h.kind}-${ns ?? ''}-${h.row.name}`,
        label: `${h.kind} ${ns ? `${ns}/` : ''}${h.row.name}`,
        hint: 'open',
        run: () => {
          navigate(objectRoute(context, h.kind, ns, h.row.name))
          onClose()
        },
      }
    })
  }, [context, hits.data, query, navigate, onClose])

  // Commands that match first, then the objects the sidecar found (already matched by name or label).
  const results = [...rank(commands, query), ...objects].slice(0, 50)
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
          aria-label="Search kinds, objects and actions"
          placeholder="Type a kind, an object's name, a page or an action…"
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
            <li
              key={r.id}
              id={`cmd-${r.id}`}
              role="option"
              // The hint is a separate span; without this its words run into the label's ("checkoutopen").
              aria-label={r.hint ? `${r.label}, ${r.hint}` : r.label}
              aria-selected={i === sel}
              className={i === sel ? 'active' : ''}
              onMouseEnter={() => setActive(i)}
              onClick={r.run}
            >
              {r.label}
              {r.hint && <span className="muted small"> {r.hint}</span>}
            </li>
          ))}
          {results.length === 0 && !hits.isFetching && <li className="muted">Nothing matches “{query}”.</li>}
        </ul>
      </div>
    </div>
  )
}
