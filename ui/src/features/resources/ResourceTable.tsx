import { useVirtualizer } from '@tanstack/react-virtual'
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react'
import { ageOf, cell, header, indexOfKey, lastSeenOf, rowKey, statusTone, type Row, type SortSpec } from './rows'

const ROW_H = 32

interface Props {
  rows: Row[]
  columns: string[]
  sort: SortSpec
  onSort: (s: SortSpec) => void
  selected: string | null
  onSelect: (key: string) => void
  onOpen: (row: Row) => void
  label: string
}

/**
 * A virtualised table: only the visible rows are in the DOM, so 10,000 rows scroll smoothly.
 * Rows have a fixed height and the table keeps the row at the top of the viewport in place when
 * live updates insert or remove rows above it, so neither scroll position nor selection jumps.
 */
export function ResourceTable({ rows, columns, sort, onSort, selected, onSelect, onOpen, label }: Props) {
  const scroller = useRef<HTMLDivElement>(null)
  const v = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_H, overscan: 6 })
  // AGE keeps counting between updates, as `kubectl get -w` would print it (only visible rows re-render).
  const [now, setNow] = useState(() => Date.now())
  const hasAge = columns.includes('age')
  const hasLastSeen = columns.includes('last_seen')
  const ticking = hasAge || hasLastSeen
  useEffect(() => {
    if (!ticking) return
    const t = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(t)
  }, [ticking])
  const anchor = useRef<{ key: string; index: number; offset: number } | null>(null)

  // Keep the first visible row where it was when rows change above it. Most updates move no row,
  // so the row at the old index is checked first and the search only runs when it moved; when it
  // did not, scrollTop is not even read (a read after a commit would force a layout per batch).
  useLayoutEffect(() => {
    const el = scroller.current
    const a = anchor.current
    if (el && a) {
      const i = indexOfKey(rows, a.key, a.index)
      if (i >= 0 && i !== a.index) {
        a.index = i
        const want = i * ROW_H - a.offset
        if (Math.abs(el.scrollTop - want) >= 1 && el.scrollTop > 0) el.scrollTop = want
      }
    }
  }, [rows])

  function rememberAnchor() {
    const el = scroller.current
    if (!el) return
    const i = Math.floor(el.scrollTop / ROW_H)
    const r = rows[i]
    anchor.current = r ? { key: rowKey(r), index: i, offset: i * ROW_H - el.scrollTop } : null
  }

  // Stable callbacks for the memoised rows; the latest props are read when they are called.
  const latest = useRef({ onSelect, onOpen })
  useLayoutEffect(() => {
    latest.current = { onSelect, onOpen }
  })
  const select = useCallback((key: string) => latest.current.onSelect(key), [])
  const openRow = useCallback((row: Row) => latest.current.onOpen(row), [])

  const selIndex = useMemo(() => (selected ? indexOfKey(rows, selected) : -1), [rows, selected])
  const template = useMemo(() => columns.map(columnWidth).join(' '), [columns])

  function onKeyDown(e: React.KeyboardEvent) {
    if (rows.length === 0) return
    let next = selIndex
    if (e.key === 'ArrowDown') next = Math.min(rows.length - 1, selIndex + 1)
    else if (e.key === 'ArrowUp') next = Math.max(0, selIndex - 1)
    else if (e.key === 'PageDown') next = Math.min(rows.length - 1, selIndex + 20)
    else if (e.key === 'PageUp') next = Math.max(0, selIndex - 20)
    else if (e.key === 'Home') next = 0
    else if (e.key === 'End') next = rows.length - 1
    else if (e.key === 'Enter' && selIndex >= 0) {
      const r = rows[selIndex]
      if (r) onOpen(r)
      return
    } else return
    e.preventDefault()
    const r = rows[next]
    if (r) {
      onSelect(rowKey(r))
      v.scrollToIndex(next, { align: 'auto' })
    }
  }

  return (
    <div className="rtable" role="table" aria-label={label} aria-rowcount={rows.length + 1} data-testid="resource-table">
      <div role="rowgroup" className="rtable-head">
        <div role="row" className="rtable-row" style={{ gridTemplateColumns: template }}>
          {columns.map((c) => {
            const active = sort.col === c
            return (
              <div role="columnheader" key={c} aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
                <button type="button" className="th" onClick={() => onSort({ col: c, desc: active ? !sort.desc : false })}>
                  {header(c)}
                  <span aria-hidden="true">{active ? (sort.desc ? ' ▼' : ' ▲') : ''}</span>
                </button>
              </div>
            )
          })}
        </div>
      </div>
      <div
        ref={scroller}
        className="rtable-body"
        role="rowgroup"
        tabIndex={0}
        aria-activedescendant={selIndex >= 0 ? `row-${selIndex}` : undefined}
        onKeyDown={onKeyDown}
        onScroll={rememberAnchor}
      >
        <div style={{ height: v.getTotalSize(), position: 'relative' }}>
          {v.getVirtualItems().map((vi) => {
            const r = rows[vi.index]
            if (!r) return null
            const k = rowKey(r)
            return (
              <TableRow
                key={k}
                row={r}
                index={vi.index}
                start={vi.start}
                columns={columns}
                template={template}
                selected={k === selected}
                age={hasAge ? ageOf(r, now) : ''}
                lastSeen={hasLastSeen ? lastSeenOf(r, now) : ''}
                onSelect={select}
                onOpen={openRow}
              />
            )
          })}
        </div>
      </div>
    </div>
  )
}

interface RowProps {
  row: Row
  index: number
  start: number
  columns: string[]
  template: string
  selected: boolean
  /** AGE as shown now (a string, so a row re-renders only when its age text changes). */
  age: string
  /** An event's LAST SEEN as shown now, likewise. */
  lastSeen: string
  onSelect: (key: string) => void
  onOpen: (row: Row) => void
}

/**
 * One table row. Memoised on its props: a batch of live changes re-renders only the visible rows
 * whose object changed, and a scroll step renders only the rows that came into view.
 */
const TableRow = memo(function TableRow({ row: r, index, start, columns, template, selected, age, lastSeen, onSelect, onOpen }: RowProps) {
  const k = rowKey(r)
  return (
    <div
      id={`row-${index}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      className={`rtable-row ${selected ? 'selected' : ''}`}
      style={{ gridTemplateColumns: template, transform: `translateY(${start}px)` }}
      onClick={() => onSelect(k)}
      onDoubleClick={() => onOpen(r)}
      data-name={r.name}
    >
      {columns.map((c) => (
        <div role="cell" key={c} className={`c-${c}`} title={c === 'age' && r.created ? r.created : cell(r[c])}>
          {c === 'name' ? (
            <a
              href="#"
              onClick={(e) => {
                e.preventDefault()
                onOpen(r)
              }}
              tabIndex={-1}
            >
              {r.name}
            </a>
          ) : c === 'age' ? (
            age
          ) : c === 'last_seen' ? (
            lastSeen
          ) : c === 'status' ? (
            <span className={`status status-${statusTone(cell(r[c]))}`}>{cell(r[c])}</span>
          ) : (
            cell(r[c])
          )}
        </div>
      ))}
    </div>
  )
})

/** Grid widths: STATUS wide enough for kubelet reasons (CreateContainerConfigError), counts narrow. */
function columnWidth(c: string): string {
  if (c === 'name') return 'minmax(220px, 2fr)'
  if (c === 'message') return 'minmax(240px, 4fr)'
  if (c === 'status') return 'minmax(210px, 1.6fr)'
  if (c === 'restarts') return 'minmax(100px, 0.7fr)'
  if (c === 'ready' || c === 'age' || c === 'last_seen') return 'minmax(64px, 0.6fr)'
  return 'minmax(80px, 1fr)'
}
