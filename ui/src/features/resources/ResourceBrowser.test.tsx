import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { Link, useLocation } from 'react-router'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { KindStatus } from '../../api/types'
import { renderAt, serveLists as serve } from '../../test/fakeSidecar'
import ResourceBrowser from './ResourceBrowser'

// Live deltas are LogsTab's and live.ts's tests; here the list's first answer is what matters.
vi.mock('../../api/live', () => ({ subscribe: () => () => {}, followTopic: () => () => {} }))

afterEach(() => vi.unstubAllGlobals())

const show = (path: string) => renderAt(path, '/c/:context/resources/:kind', <ResourceBrowser />)

const forbiddenNamespaces: KindStatus = {
  kind: 'namespaces',
  state: 'forbidden',
  items: 0,
  message: 'namespaces is forbidden: User "system:serviceaccount:team-a:dev" cannot list resource "namespaces" at the cluster scope',
}

describe('ResourceBrowser cache notes', () => {
  it('says a kind is shown for the context namespace only, and offers that namespace in the filter', async () => {
    serve({
      pods: {
        items: [{ name: 'web-1', namespace: 'team-a', status: 'Running', ready: '1/1' }],
        sync: { kind: 'pods', state: 'synced', items: 1, namespace: 'team-a' },
      },
      namespaces: { items: [], sync: forbiddenNamespaces },
    })
    show('/c/sa/resources/pods')
    const note = await screen.findByTestId('kind-narrowed')
    expect(note.textContent).toContain('Namespace team-a only')
    expect(note.textContent).toContain('may not list Pods in every namespace')
    const filter = screen.getByTestId('namespace-filter')
    expect(within(filter).getByRole('option', { name: 'team-a' })).toBeTruthy()
    expect((await screen.findByText('1 of 1')).getAttribute('data-testid')).toBe('row-count')
    expect(screen.queryByTestId('kind-forbidden')).toBeNull()
  })

  it('keeps offering the namespace of a narrowed custom resource once it is picked', async () => {
    // Read live: all namespaces is refused and narrowed; the one namespace is answered plainly.
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        if (!url.includes('/resources/gadgets.example.com')) return new Response('{}', { status: 404 })
        const items = [{ name: 'ours', namespace: 'team-a' }]
        if (url.includes('namespace=team-a')) return Response.json({ items, total: 1 })
        return Response.json({ items, total: 1, sync: { kind: 'gadgets.example.com', state: 'synced', items: 1, namespace: 'team-a' } })
      }),
    )
    show('/c/sa/resources/gadgets.example.com')
    await screen.findByTestId('kind-narrowed')
    await userEvent.selectOptions(screen.getByTestId('namespace-filter'), 'team-a')
    expect((await screen.findByText('1 of 1')).getAttribute('data-testid')).toBe('row-count')
    expect((screen.getByTestId('namespace-filter') as HTMLSelectElement).value).toBe('team-a')
    expect(within(screen.getByTestId('namespace-filter')).getByRole('option', { name: 'team-a' })).toBeTruthy()
  })

  it("treats a cluster-scoped custom resource as discovery says: its Kind's name, no namespace filter", async () => {
    serve(
      {},
      {
        '/kinds': { items: [{ name: 'clusterissuers.cert-manager.io', kind: 'ClusterIssuer', group: 'cert-manager.io', namespaced: false }] },
        '/resources/clusterissuers.cert-manager.io': { items: [{ name: 'letsencrypt' }], total: 1 },
      },
    )
    show('/c/prod/resources/clusterissuers.cert-manager.io')
    expect(await screen.findByRole('heading', { name: 'ClusterIssuers' })).toBeTruthy()
    expect((await screen.findByText('1 of 1')).getAttribute('data-testid')).toBe('row-count')
    expect(screen.queryByTestId('namespace-filter')).toBeNull()
    expect(screen.queryByRole('columnheader', { name: /namespace/i })).toBeNull()
  })

  it('says why a forbidden kind is empty and what to do, instead of an empty table alone', async () => {
    const message = 'nodes is forbidden: User "system:serviceaccount:team-a:dev" cannot list resource "nodes" in API group "" at the cluster scope'
    serve({ nodes: { items: [], sync: { kind: 'nodes', state: 'forbidden', items: 0, message } } })
    show('/c/sa/resources/nodes')
    const note = await screen.findByTestId('kind-forbidden')
    expect(note.textContent).toContain(message)
    expect(note.textContent).toContain('Ask a cluster admin for list and watch rights on nodes')
  })

  it('adds no note for a kind synced in every namespace', async () => {
    serve({
      pods: { items: [{ name: 'web-1', namespace: 'shop', status: 'Running' }], sync: { kind: 'pods', state: 'synced', items: 1 } },
      namespaces: { items: [{ name: 'shop' }], sync: { kind: 'namespaces', state: 'synced', items: 1 } },
    })
    show('/c/prod/resources/pods')
    expect((await screen.findByText('1 of 1')).getAttribute('data-testid')).toBe('row-count')
    expect(screen.queryByTestId('kind-narrowed')).toBeNull()
    expect(screen.queryByTestId('kind-forbidden')).toBeNull()
  })
})

describe('ResourceBrowser state per kind', () => {
  it("starts each kind's list from its own URL, not with the last kind's filter", async () => {
    serve({
      pods: { items: [{ name: 'web-1', namespace: 'shop', status: 'Running' }, { name: 'checkout-1', namespace: 'shop', status: 'Running' }] },
      deployments: { items: [{ name: 'web', namespace: 'shop', ready: '1/1' }, { name: 'checkout', namespace: 'shop', ready: '1/1' }] },
    })
    renderAt(
      '/c/dev/resources/pods',
      '/c/:context/resources/:kind',
      <>
        <Link to="/c/dev/resources/deployments">Deployments</Link>
        <ResourceBrowser />
      </>,
    )
    await screen.findByText('2 of 2')
    await userEvent.type(screen.getByTestId('text-filter'), 'web')
    await screen.findByText('1 of 2')
    await userEvent.click(screen.getByRole('link', { name: 'Deployments' }))
    await screen.findByRole('heading', { name: 'Deployments' })
    expect(await screen.findByText('2 of 2')).toBeTruthy()
    expect((screen.getByTestId('text-filter') as HTMLInputElement).value).toBe('')
  })

  it('shows the label selector the URL applies, also when only the query changes', async () => {
    serve({ pods: { items: [{ name: 'web-1', namespace: 'shop', status: 'Running' }] } })
    renderAt(
      '/c/dev/resources/pods?labels=app%3Dweb',
      '/c/:context/resources/:kind',
      <>
        <Link to="/c/dev/resources/pods">every pod</Link>
        <ResourceBrowser />
      </>,
    )
    const labels = () => screen.getByRole('textbox', { name: /^Labels/ }) as HTMLInputElement
    await screen.findByText('1 of 1')
    expect(labels().value).toBe('app=web')
    await userEvent.click(screen.getByRole('link', { name: 'every pod' }))
    await waitFor(() => expect(labels().value).toBe(''))
  })

  it('keeps the text filter in the URL, and shows the filter a link carries', async () => {
    serve({ pods: { items: [{ name: 'web-1', namespace: 'shop', status: 'Running' }, { name: 'checkout-1', namespace: 'shop', status: 'Running' }] } })
    function Search() {
      return <output data-testid="search">{useLocation().search}</output>
    }
    renderAt(
      '/c/dev/resources/pods?sort=name',
      '/c/:context/resources/:kind',
      <>
        <Link to="/c/dev/resources/pods?q=checkout">checkout pods</Link>
        <Search />
        <ResourceBrowser />
      </>,
    )
    const field = () => screen.getByTestId('text-filter') as HTMLInputElement
    await screen.findByText('2 of 2')
    await userEvent.type(field(), 'web')
    await screen.findByText('1 of 2')
    expect(screen.getByTestId('search').textContent).toBe('?sort=name&q=web')
    await userEvent.clear(field())
    await screen.findByText('2 of 2')
    expect(screen.getByTestId('search').textContent).toBe('?sort=name')
    await userEvent.click(screen.getByRole('link', { name: 'checkout pods' }))
    await waitFor(() => expect(field().value).toBe('checkout'))
    expect(await screen.findByText('1 of 2')).toBeTruthy()
  })

  it('lists events newest first unless the URL asks for another order', async () => {
    // The table's order follows its sort (rows.test.ts); here: which sort an events list opens with.
    serve({ events: { items: [{ name: 'a', namespace: 'shop', type: 'Warning', reason: 'BackOff', object: 'pod/p', message: 'm', last_seen: '2026-11-27T08:00:00Z' }] } })
    const sortOf = (name: RegExp) => screen.getByRole('columnheader', { name }).getAttribute('aria-sort')
    const { unmount } = show('/c/dev/resources/events')
    await screen.findByText('1 of 1')
    expect(sortOf(/last.seen/i)).toBe('descending')
    unmount()
    show('/c/dev/resources/events?sort=name')
    await screen.findByText('1 of 1')
    expect(sortOf(/^name(?!space)/i)).toBe('ascending')
    expect(sortOf(/last.seen/i)).toBe('none')
  })

})
