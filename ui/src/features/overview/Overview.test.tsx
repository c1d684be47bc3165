import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { render, screen, within } from '@testing-library/react'
import { MemoryRouter, Route, Routes } from 'react-router'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { KindStatus } from '../../api/types'
import Overview from './Overview'

vi.mock('../../api/live', () => ({ subscribe: () => () => {} }))

afterEach(() => vi.unstubAllGlobals())

type List = { items: Record<string, unknown>[]; sync: KindStatus }

/** A sidecar answering each kind's list with `lists[kind]`, and no insights. */
function serve(lists: Record<string, List>) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      if (url.includes('/api/v1/ai/insights')) return Response.json({ items: [], total: 0 })
      const kind = /\/resources\/([a-z]+)/.exec(url)?.[1]
      const list = kind ? lists[kind] : undefined
      if (list) return Response.json({ items: list.items, total: list.items.length, sync: list.sync })
      return new Response('{}', { status: 404 })
    }),
  )
}

function show(context: string) {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={[`/c/${context}/overview`]}>
        <Routes>
          <Route path="/c/:context/overview" element={<Overview />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  )
}

const forbidden = (kind: string): List => ({
  items: [],
  sync: { kind, state: 'forbidden', items: 0, message: `${kind} is forbidden: User "system:serviceaccount:team-a:dev" cannot list resource "${kind}"` },
})
const inTeamA = (kind: string, items: Record<string, unknown>[]): List => ({
  items,
  sync: { kind, state: 'synced', items: items.length, namespace: 'team-a' },
})
const everywhere = (kind: string, items: Record<string, unknown>[]): List => ({ items, sync: { kind, state: 'synced', items: items.length } })

describe('Overview for credentials that see part of the cluster', () => {
  it('shows kinds the user may not list as not visible, not as zero, and says which namespace it counts', async () => {
    serve({
      pods: inTeamA('pods', [
        { name: 'web-1', namespace: 'team-a', status: 'Running', ready: '1/1' },
        { name: 'web-2', namespace: 'team-a', status: 'CrashLoopBackOff', ready: '0/1' },
      ]),
      nodes: forbidden('nodes'),
      namespaces: forbidden('namespaces'),
      deployments: inTeamA('deployments', []),
      events: inTeamA('events', []),
    })
    show('sa')
    expect((await screen.findByTestId('overview-narrowed')).textContent).toContain('Namespace team-a only')
    const nodes = within(screen.getByTestId('tile-nodes'))
    expect(nodes.getByText('not visible to your credentials')).toBeTruthy()
    expect(nodes.queryByText('0')).toBeNull()
    expect(screen.getByTestId('tile-nodes').getAttribute('title')).toContain('cannot list resource "nodes"')
    expect(within(screen.getByTestId('tile-namespaces')).getByText('not visible to your credentials')).toBeTruthy()
    const pods = within(screen.getByTestId('tile-pods'))
    expect(pods.getByText('2')).toBeTruthy()
    expect(pods.getByText('1 not running')).toBeTruthy()
  })

  it('counts as before for credentials that see everything', async () => {
    serve({
      pods: everywhere('pods', [{ name: 'web-1', namespace: 'shop', status: 'Running', ready: '1/1' }]),
      nodes: everywhere('nodes', [{ name: 'node-1', status: 'Ready' }]),
      namespaces: everywhere('namespaces', [{ name: 'shop' }, { name: 'default' }]),
      deployments: everywhere('deployments', []),
      events: everywhere('events', []),
    })
    show('prod')
    await screen.findByText('Every pod is running.')
    expect(within(screen.getByTestId('tile-nodes')).getByText('1')).toBeTruthy()
    expect(within(screen.getByTestId('tile-namespaces')).getByText('2')).toBeTruthy()
    expect(screen.queryByTestId('overview-narrowed')).toBeNull()
    expect(screen.queryByText('not visible to your credentials')).toBeNull()
  })
})
