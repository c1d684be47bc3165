import { act, fireEvent, render, screen } from '@testing-library/react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ResourceTable } from './ResourceTable'
import type { Row } from './rows'

// jsdom lays nothing out: give the scroller a size, so the virtualiser shows rows.
const saved = {
  h: Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight'),
  w: Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientWidth'),
  ro: globalThis.ResizeObserver,
}
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 320 })
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 1000 })
  globalThis.ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver
})
afterAll(() => {
  if (saved.h) Object.defineProperty(HTMLElement.prototype, 'clientHeight', saved.h)
  if (saved.w) Object.defineProperty(HTMLElement.prototype, 'clientWidth', saved.w)
  globalThis.ResizeObserver = saved.ro
})

const columns = ['name', 'namespace', 'status']
const pod = (i: number, status = 'Running'): Row => ({ name: `pod-${i}`, namespace: 'default', status })

/** A row whose STATUS counts how often it is read: each render of the row reads it. */
function counted(i: number) {
  const reads = { n: 0 }
  const row: Row = { name: `pod-${i}`, namespace: 'default' }
  Object.defineProperty(row, 'status', {
    enumerable: true,
    get() {
      reads.n++
      return 'Running'
    },
  })
  return { row, reads }
}

describe('ResourceTable', () => {
  const props = { columns, sort: { col: 'name', desc: false }, onSort: () => {}, onOpen: () => {}, label: 'Pods' }

  it('re-renders only the rows whose object changed, and keeps the selection', () => {
    const watched = counted(0)
    let rows = [watched.row, ...Array.from({ length: 99 }, (_, i) => pod(i + 1))]
    let selected: string | null = null
    const view = () => <ResourceTable {...props} rows={rows} selected={selected} onSelect={(k) => (selected = k)} />
    const { rerender, container } = render(view())
    expect(container.querySelectorAll('[role=row][data-name]').length).toBeGreaterThan(0)
    fireEvent.click(screen.getByText('pod-0'))
    expect(selected).toBe('default/pod-0')
    rerender(view())
    const before = watched.reads.n
    const node = container.querySelector('[data-name="pod-0"]')

    // A live change to another row: a new array with one new row object.
    rows = rows.slice()
    rows[1] = pod(1, 'CrashLoopBackOff')
    act(() => rerender(view()))
    expect(screen.getByText('CrashLoopBackOff')).toBeTruthy()
    expect(watched.reads.n).toBe(before)
    const kept = container.querySelector('[data-name="pod-0"]')
    expect(kept).toBe(node)
    expect(kept?.getAttribute('aria-selected')).toBe('true')
  })

  it('keeps the row at the top in place when rows are inserted above it', () => {
    let rows = Array.from({ length: 100 }, (_, i) => pod(i + 100))
    const view = () => <ResourceTable {...props} rows={rows} selected={null} onSelect={() => {}} />
    const { rerender, getByTestId } = render(view())
    const body = getByTestId('resource-table').querySelector('.rtable-body') as HTMLElement
    body.scrollTop = 10 * 32 // pod-110 at the top
    fireEvent.scroll(body)
    rows = [...Array.from({ length: 5 }, (_, i) => pod(i)), ...rows]
    act(() => rerender(view()))
    expect(body.scrollTop).toBe(15 * 32)
    // A change that moves no row leaves the scroll position alone.
    rows = rows.slice()
    rows[50] = pod(145, 'Error')
    act(() => rerender(view()))
    expect(body.scrollTop).toBe(15 * 32)
  })

  it("shows an event's LAST SEEN as kubectl does, the time itself in its title", () => {
    const at = new Date(Date.now() - 5 * 60_000).toISOString()
    const event: Row = { name: 'web-1.17f', namespace: 'shop', last_seen: at, reason: 'BackOff' }
    const { container } = render(<ResourceTable {...props} columns={['name', 'last_seen', 'reason']} rows={[event]} selected={null} onSelect={() => {}} />)
    const cellOf = container.querySelector('[data-name="web-1.17f"] .c-last_seen')
    expect(cellOf?.textContent).toMatch(/^5m(\d+s)?$/)
    expect(cellOf?.getAttribute('title')).toBe(at)
  })
})
