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
})
