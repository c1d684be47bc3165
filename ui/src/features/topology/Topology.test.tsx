import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { Link } from 'react-router'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { renderAt, serveLists } from '../../test/fakeSidecar'
import Topology from './Topology'

vi.mock('../../api/live', () => ({ subscribe: () => () => {}, followTopic: () => () => {} }))

afterEach(() => vi.unstubAllGlobals())

describe('Topology', () => {
  it("shows each graph's own root, also when only the URL's query changes", async () => {
    serveLists({ namespaces: { items: [{ name: 'shop' }] } }, { '/topology': { nodes: [], edges: [] } })
    renderAt(
      '/c/dev/topology?root=Deployment/shop/web',
      '/c/:context/topology',
      <>
        <Link to="/c/dev/topology">whole graph</Link>
        <Topology />
      </>,
    )
    const rootInput = () => screen.getByRole('textbox', { name: /^Root/ }) as HTMLInputElement
    await screen.findByTestId('topology-empty')
    expect(rootInput().value).toBe('Deployment/shop/web')
    await userEvent.click(screen.getByRole('link', { name: 'whole graph' }))
    await waitFor(() => expect(screen.getByTestId('topology-empty').textContent).toBe('No objects to draw in this scope.'))
    expect(rootInput().value).toBe('')
  })
})
