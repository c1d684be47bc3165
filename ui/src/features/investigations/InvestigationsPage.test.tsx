import { fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { renderAt, serveLists } from '../../test/fakeSidecar'
import InvestigationsPage from './InvestigationsPage'

vi.mock('../../api/live', () => ({ followTopic: () => () => {} }))

afterEach(() => vi.unstubAllGlobals())

/** The bodies of the investigations started. */
function started() {
  return vi
    .mocked(fetch)
    .mock.calls.filter(([url, init]) => String(url).endsWith('/api/v1/ai/investigations') && (init as RequestInit | undefined)?.method === 'POST')
    .map(([, init]) => JSON.parse(String((init as RequestInit).body)))
}

function serve() {
  serveLists(
    { namespaces: { items: [{ name: 'shop' }, { name: 'payments' }] } },
    {
      '/api/v1/clusters': { items: [{ name: 'dev', current: true }], current: 'dev' },
      '/api/v1/ai/investigations': { investigation_id: 'inv-1', items: [], total: 0 },
    },
  )
}

describe('InvestigationsPage', () => {
  it('investigates the namespace picked from the cluster, and never the whole cluster by omission', async () => {
    serve()
    renderAt('/c/dev/investigations', '/c/:context/investigations', <InvestigationsPage />)
    const start = await screen.findByRole('button', { name: 'Start' })
    expect((start as HTMLButtonElement).disabled).toBe(true)
    const pick = screen.getByLabelText('Namespace to investigate')
    await within(pick).findByRole('option', { name: 'payments' })
    fireEvent.change(pick, { target: { value: 'payments' } })
    expect((start as HTMLButtonElement).disabled).toBe(false)
    fireEvent.click(start)
    await waitFor(() => expect(started()).toHaveLength(1))
    expect(started()[0]).toEqual({ context: 'dev', target: { namespace: 'payments' } })
  })

  it('investigates the whole cluster when that is chosen', async () => {
    serve()
    renderAt('/c/dev/investigations', '/c/:context/investigations', <InvestigationsPage />)
    fireEvent.click(await screen.findByLabelText('the whole cluster'))
    fireEvent.click(screen.getByRole('button', { name: 'Start' }))
    await waitFor(() => expect(started()).toHaveLength(1))
    expect(started()[0]).toEqual({ context: 'dev' })
  })

  it("names each investigation's context once the list holds another context's", async () => {
    const inv = (id: string, context: string) => ({
      investigation_id: id,
      context,
      state: 'concluded',
      target: { kind: 'Deployment', namespace: 'shop', name: 'checkout' },
      created_at: '2026-11-27T08:00:00Z',
      root_cause: { code: 'CRASHLOOP_DEPENDENCY', summary: 'redis is down', confidence: 0.9 },
    })
    const show = (items: unknown[]) =>
      serveLists(
        { namespaces: { items: [{ name: 'shop' }] } },
        {
          '/api/v1/clusters': { items: [{ name: 'dev', current: true }, { name: 'prod' }], current: 'dev' },
          '/api/v1/ai/investigations': { items, total: items.length },
        },
      )
    show([inv('inv-1', 'dev')])
    const one = renderAt('/c/dev/investigations', '/c/:context/investigations', <InvestigationsPage />)
    await screen.findByRole('link', { name: 'Deployment shop/checkout' })
    expect(screen.queryByRole('columnheader', { name: 'Context' })).toBeNull()
    one.unmount()

    show([inv('inv-1', 'dev'), inv('inv-2', 'prod')])
    renderAt('/c/dev/investigations', '/c/:context/investigations', <InvestigationsPage />)
    await screen.findByRole('columnheader', { name: 'Context' })
    const rows = within(screen.getByTestId('investigations')).getAllByRole('row').slice(1)
    expect(rows.map((r) => within(r).getAllByRole('cell')[1]?.textContent)).toEqual(['dev', 'prod'])
    expect(screen.queryByTestId('investigations-more')).toBeNull()
  })

  it('says when the history holds more investigations than the list shows', async () => {
    serveLists(
      { namespaces: { items: [{ name: 'shop' }] } },
      {
        '/api/v1/clusters': { items: [{ name: 'dev', current: true }], current: 'dev' },
        '/api/v1/ai/investigations': {
          items: [{ investigation_id: 'inv-1', context: 'dev', state: 'concluded', target: null, created_at: '2026-11-27T08:00:00Z' }],
          total: 340,
        },
      },
    )
    renderAt('/c/dev/investigations', '/c/:context/investigations', <InvestigationsPage />)
    expect((await screen.findByTestId('investigations-more')).textContent).toContain('The newest 1 of 340 investigations')
  })
})
