import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router'
import { afterEach, describe, expect, it, vi } from 'vitest'
import AuditLog from './AuditLog'
import { mergePages, type AuditRecord } from './useAuditLog'

afterEach(() => vi.unstubAllGlobals())

const refused: AuditRecord = {
  id: 3,
  at: '2026-11-26T10:02:00.000Z',
  actor: 'user:local',
  operation: 'drain_node',
  context: 'kubilitics-sandbox',
  kind: 'Node',
  namespace: null,
  name: 'sandbox-node-1',
  decision: 'refused',
  reason: 'drain_node is forbidden by the safety policy',
  result: null,
  request_id: 'req-drain',
  action_id: 'act-3',
}
const applied: AuditRecord = {
  id: 2,
  at: '2026-11-26T10:01:00.000Z',
  actor: 'user:local',
  operation: 'scale_deployment',
  context: 'kubilitics-sandbox',
  kind: 'Deployment',
  namespace: 'shop',
  name: 'frontend',
  decision: 'allowed',
  reason: null,
  before: { replicas: 2 },
  after: { replicas: 3 },
  result: 'applied: scaled to 3',
  request_id: 'req-scale',
  action_id: 'act-2',
}
const chat: AuditRecord = {
  id: 1,
  at: '2026-11-26T10:00:00.000Z',
  actor: 'ai:inv-1',
  operation: 'kubectl',
  context: 'kubilitics-sandbox',
  decision: 'refused',
  reason: 'only reads',
  after: { command: 'kubectl delete pod x' },
}

/** A sidecar whose audit log holds `records` (newest first), served `limit`/`before`/`offset` like the real one. */
function serve(records: AuditRecord[], opts: { fail?: boolean } = {}) {
  const asked: URL[] = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      if (url.endsWith('/api/v1/session')) return new Response('{}', { status: 404 })
      if (url.includes('/api/v1/audit')) {
        const u = new URL(url, 'http://x')
        asked.push(u)
        if (opts.fail) return Response.json({ error: { code: 'store_unavailable', message: 'the database is locked' } }, { status: 503 })
        const limit = Number(u.searchParams.get('limit') ?? 100)
        const before = u.searchParams.get('before')
        const offset = Number(u.searchParams.get('offset') ?? 0)
        const older = before === null ? records.slice(offset) : records.filter((r) => r.id < Number(before))
        return Response.json({ total: records.length, items: older.slice(0, limit) })
      }
      return new Response('{}', { status: 404 })
    }),
  )
  return asked
}

function show(path = '/audit', pageSize?: number) {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={[path]}>
        <AuditLog pageSize={pageSize} />
      </MemoryRouter>
    </QueryClientProvider>,
  )
}

const rows = () => screen.getAllByTestId('audit-row')
const row = (i: number) => within(rows()[i] as HTMLElement)

describe('AuditLog', () => {
  it('lists records newest first with decision, operation, target, result, reason and request id', async () => {
    const asked = serve([refused, applied, chat])
    show()
    await screen.findByText('req-drain')
    expect(screen.getByRole('table', { name: 'Audit records, newest first' })).toBeTruthy()
    expect(rows().map((r) => r.getAttribute('data-id'))).toEqual(['3', '2', '1'])
    const first = row(0)
    expect(first.getByText('refused')).toBeTruthy()
    expect(first.getByText('drain_node')).toBeTruthy()
    expect(first.getByRole('link', { name: 'Node sandbox-node-1' }).getAttribute('href')).toBe('/c/kubilitics-sandbox/resources/nodes/_/sandbox-node-1')
    expect(first.getByText('drain_node is forbidden by the safety policy')).toBeTruthy()
    const second = row(1)
    expect(second.getByRole('link', { name: 'Deployment shop/frontend' }).getAttribute('href')).toBe('/c/kubilitics-sandbox/resources/deployments/shop/frontend')
    expect(second.getByText('applied: scaled to 3')).toBeTruthy()
    expect(row(2).getByText('ai:inv-1')).toBeTruthy()
    expect(screen.getByTestId('audit-count').textContent).toBe('3 of 3 records')
    expect(asked[0]?.searchParams.get('before')).toBeNull()
    expect(screen.queryByTestId('audit-more')).toBeNull()
  })

  it('shows before and after when a row is expanded, from the keyboard', async () => {
    serve([refused, applied])
    show()
    const toggle = await screen.findByRole('button', { name: 'Show details of record 2' })
    expect(toggle.getAttribute('aria-expanded')).toBe('false')
    toggle.focus()
    await userEvent.keyboard('{Enter}')
    const hide = screen.getByRole('button', { name: 'Hide details of record 2' })
    expect(hide.getAttribute('aria-expanded')).toBe('true')
    const details = document.getElementById(hide.getAttribute('aria-controls') ?? '')
    expect(details).toBeTruthy()
    const d = within(details as HTMLElement)
    expect(d.getByRole('region', { name: 'Before' }).textContent).toMatch(/"replicas": 2/)
    expect(d.getByRole('region', { name: 'After' }).textContent).toMatch(/"replicas": 3/)
    expect(d.getByText('act-2')).toBeTruthy()
    // A refused action changed nothing: the details say so.
    await userEvent.click(screen.getByRole('button', { name: 'Show details of record 3' }))
    expect(screen.getByText(/No before\/after state/)).toBeTruthy()
    await userEvent.click(hide)
    expect(screen.getByRole('button', { name: 'Show details of record 2' }).getAttribute('aria-expanded')).toBe('false')
  })

  it('filters the loaded records by decision and by text', async () => {
    serve([refused, applied, chat])
    show()
    await screen.findByText('req-drain')
    await userEvent.selectOptions(screen.getByLabelText('Decision'), 'refused')
    expect(rows().map((r) => r.getAttribute('data-id'))).toEqual(['3', '1'])
    expect(screen.getByTestId('audit-count').textContent).toBe('2 of 3 loaded records match')
    await userEvent.type(screen.getByLabelText('Filter'), 'sandbox-node')
    expect(rows().map((r) => r.getAttribute('data-id'))).toEqual(['3'])
    await userEvent.selectOptions(screen.getByLabelText('Decision'), 'allowed')
    expect(screen.getByTestId('audit-no-match').textContent).toMatch(/No loaded record matches “sandbox-node” with decision allowed/)
    await userEvent.click(screen.getByRole('button', { name: 'Clear filters' }))
    expect(rows()).toHaveLength(3)
  })

  it('starts from the filters in the address', async () => {
    serve([refused, applied, chat])
    show('/audit?decision=allowed')
    await screen.findByText('req-scale')
    expect(rows().map((r) => r.getAttribute('data-id'))).toEqual(['2'])
  })

  it('loads older records a page at a time, once each', async () => {
    const many = Array.from({ length: 5 }, (_, i): AuditRecord => ({ ...chat, id: 5 - i, request_id: `req-${5 - i}` }))
    const asked = serve(many)
    show('/audit', 2)
    await screen.findByText('req-5')
    expect(rows()).toHaveLength(2)
    await userEvent.click(screen.getByRole('button', { name: 'Load older records (3 more)' }))
    await screen.findByText('req-3')
    await userEvent.click(screen.getByRole('button', { name: 'Load older records (1 more)' }))
    await screen.findByText('req-1')
    expect(rows().map((r) => r.getAttribute('data-id'))).toEqual(['5', '4', '3', '2', '1'])
    expect(screen.queryByTestId('audit-more')).toBeNull()
    expect(asked.map((u) => u.searchParams.get('before'))).toEqual([null, '4', '2'])
  })

  it('goes on where the last page ended although records were written since', async () => {
    const many = Array.from({ length: 5 }, (_, i): AuditRecord => ({ ...chat, id: 5 - i, request_id: `req-${5 - i}` }))
    serve(many)
    show('/audit', 2)
    await screen.findByText('req-5')
    // An action taken meanwhile: by offset, the next page would start at 4 again and skip 2.
    many.unshift({ ...chat, id: 6, request_id: 'req-6' })
    await userEvent.click(screen.getByRole('button', { name: /Load older records/ }))
    await screen.findByText('req-3')
    expect(rows().map((r) => r.getAttribute('data-id'))).toEqual(['5', '4', '3', '2'])
  })

  it('says what to do when the log is empty', async () => {
    serve([])
    show()
    expect((await screen.findByTestId('audit-empty')).textContent).toMatch(/Nothing recorded yet\. An action on an object/)
  })

  it('says why the log could not be loaded, and tries again', async () => {
    serve([], { fail: true })
    show()
    const alert = await screen.findByTestId('audit-error')
    expect(alert.getAttribute('role')).toBe('alert')
    expect(alert.textContent).toMatch(/The audit log could not be loaded: the database is locked/)
    serve([refused])
    await userEvent.click(within(alert).getByRole('button', { name: 'Try again' }))
    await screen.findByText('req-drain')
  })
})

describe('mergePages', () => {
  it('keeps a record once when a new one shifted it into the next page', () => {
    const merged = mergePages([
      { total: 3, items: [refused, applied] },
      { total: 4, items: [applied, chat] },
    ])
    expect(merged.map((r) => r.id)).toEqual([3, 2, 1])
  })
})
