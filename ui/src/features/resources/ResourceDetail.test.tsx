import { screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { Link } from 'react-router'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { renderAt, serveLists } from '../../test/fakeSidecar'
import ResourceDetail from './ResourceDetail'

vi.mock('../../api/live', () => ({ subscribe: () => () => {}, followTopic: () => () => {} }))

afterEach(() => vi.unstubAllGlobals())

describe('ResourceDetail', () => {
  it("opens another object on its own page, not in the last object's tab", async () => {
    serveLists(
      {},
      {
        '/resources/pods/shop/web-1': { kind: 'Pod', metadata: { name: 'web-1', namespace: 'shop' }, status: { phase: 'Running' } },
        '/resources/deployments/shop/web': { kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, status: {} },
      },
    )
    renderAt(
      '/c/dev/resources/pods/shop/web-1',
      '/c/:context/resources/:kind/:namespace/:name',
      <>
        <Link to="/c/dev/resources/deployments/shop/web">its deployment</Link>
        <ResourceDetail />
      </>,
    )
    await userEvent.click(await screen.findByRole('tab', { name: 'Logs' }))
    expect(screen.getByRole('tab', { name: 'Logs' }).getAttribute('aria-selected')).toBe('true')

    await userEvent.click(screen.getByRole('link', { name: 'its deployment' }))
    await screen.findByRole('heading', { name: /web$/ })
    // A Deployment has no Logs tab: its page opens on the summary, with no pod's logs panel left over.
    expect(screen.queryByRole('tab', { name: 'Logs' })).toBeNull()
    expect(screen.getByRole('tab', { name: 'Summary' }).getAttribute('aria-selected')).toBe('true')
    expect(screen.getByRole('tabpanel').id).toBe('panel-Summary')
  })
})
