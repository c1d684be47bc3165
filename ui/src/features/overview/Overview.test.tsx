import { screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { renderAt, serveLists, type KindList } from '../../test/fakeSidecar'
import Overview from './Overview'

vi.mock('../../api/live', () => ({ subscribe: () => () => {}, followTopic: () => () => {} }))

afterEach(() => vi.unstubAllGlobals())

/** A sidecar answering each kind's list with `lists[kind]`, and no insights. */
const serve = (lists: Record<string, KindList>) => serveLists(lists, { '/api/v1/ai/insights': { items: [], total: 0 } })

const show = (context: string) => renderAt(`/c/${context}/overview`, '/c/:context/overview', <Overview />)

const forbidden = (kind: string): KindList => ({
  items: [],
  sync: { kind, state: 'forbidden', items: 0, message: `${kind} is forbidden: User "system:serviceaccount:team-a:dev" cannot list resource "${kind}"` },
})
const inTeamA = (kind: string, items: Record<string, unknown>[]): KindList => ({
  items,
  sync: { kind, state: 'synced', items: items.length, namespace: 'team-a' },
})
const everywhere = (kind: string, items: Record<string, unknown>[]): KindList => ({ items, sync: { kind, state: 'synced', items: items.length } })

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

  it('links each insight and each warning event to the object it is about', async () => {
    serveLists(
      {
        pods: everywhere('pods', [{ name: 'checkout-1', namespace: 'shop', status: 'CrashLoopBackOff', ready: '0/1' }]),
        nodes: everywhere('nodes', [{ name: 'node-1', status: 'Ready' }]),
        namespaces: everywhere('namespaces', [{ name: 'shop' }]),
        deployments: everywhere('deployments', []),
        events: everywhere('events', [
          { name: 'e1', namespace: 'shop', type: 'Warning', reason: 'BackOff', object: 'pod/checkout-1', message: 'Back-off restarting failed container' },
          { name: 'e2', namespace: null, type: 'Warning', reason: 'NodeNotReady', object: 'node/node-1', message: 'Node is not ready' },
          { name: 'e3', namespace: 'shop', type: 'Warning', reason: 'Odd', object: 'widget/w-1', message: 'a kind this UI does not know' },
        ]),
      },
      {
        '/api/v1/ai/insights': {
          items: [{ id: 'i1', code: 'CRASHLOOP_DEPENDENCY', kind: 'Deployment', namespace: 'shop', name: 'checkout', summary: 'redis is down', context: 'dev' }],
          total: 1,
        },
      },
    )
    show('dev')
    const insight = await screen.findByRole('link', { name: 'Deployment shop/checkout' })
    expect(insight.getAttribute('href')).toBe('/c/dev/resources/deployments/shop/checkout')
    expect(screen.getByRole('link', { name: 'All 1 open' }).getAttribute('href')).toBe('/insights')
    expect(screen.getByRole('link', { name: 'pod/checkout-1' }).getAttribute('href')).toBe('/c/dev/resources/pods/shop/checkout-1')
    expect(screen.getByRole('link', { name: 'node/node-1' }).getAttribute('href')).toBe('/c/dev/resources/nodes/_/node-1')
    expect(screen.getByText('widget/w-1').closest('a')).toBeNull()
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

describe('Overview of a large cluster', () => {
  it('shows the most recently seen warnings, counts them all, and keeps the problems table short', async () => {
    // 60 warnings whose names run opposite to when they were seen, as event names do not follow time.
    const events = Array.from({ length: 60 }, (_, n) => ({
      name: `e${String(n).padStart(2, '0')}`,
      namespace: 'shop',
      type: 'Warning',
      reason: `Reason${n}`,
      object: `pod/p-${n}`,
      message: 'failed',
      last_seen: new Date(Date.UTC(2026, 10, 27, 8, 59 - n)).toISOString(),
    }))
    const crashing = Array.from({ length: 70 }, (_, n) => ({ name: `p-${n}`, namespace: 'shop', status: 'CrashLoopBackOff', ready: '0/1' }))
    serve({
      pods: everywhere('pods', crashing),
      nodes: everywhere('nodes', [{ name: 'node-1', status: 'Ready' }]),
      namespaces: everywhere('namespaces', [{ name: 'shop' }]),
      deployments: everywhere('deployments', [
        { name: 'checkout', namespace: 'shop', ready: '0/3', status: 'Unavailable' },
        { name: 'web', namespace: 'shop', ready: '1/2', status: 'Degraded' },
      ]),
      events: everywhere('events', events),
    })
    show('big')
    const recent = await screen.findByRole('table', { name: 'Recent warning events' })
    await waitFor(() => expect(within(recent).getAllByRole('row')).toHaveLength(20))
    const reasons = within(recent)
      .getAllByRole('row')
      .map((r) => within(r).getAllByRole('cell')[0]?.textContent)
    expect(reasons).toEqual(Array.from({ length: 20 }, (_, n) => `Reason${n}`))
    expect(within(screen.getByTestId('tile-warnings')).getByText('60')).toBeTruthy()

    const problems = screen.getByTestId('problems')
    expect(within(problems).getAllByRole('link', { name: /^Pod / })).toHaveLength(50)
    expect(within(problems).getByRole('link', { name: '20 more pods not running' }).getAttribute('href')).toBe('/c/big/resources/pods?sort=status')
    expect(within(problems).getByText('Unavailable · 0/3 ready').className).toBe('status-bad')
    expect(within(problems).getByText('Degraded · 1/2 ready').className).toBe('status-warn')
  })
})
