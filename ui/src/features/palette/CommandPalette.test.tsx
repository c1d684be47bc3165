import { fireEvent, screen, waitFor } from '@testing-library/react'
import { Route, Routes, useLocation } from 'react-router'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { renderAt, serveLists } from '../../test/fakeSidecar'
import ResourceDetail from '../resources/ResourceDetail'
import { BUILTIN_KINDS } from '../resources/kinds'
import CommandPalette from './CommandPalette'
import { PageCommandsProvider } from './PageCommandsProvider'

afterEach(() => vi.unstubAllGlobals())

function Where() {
  return <output data-testid="where">{useLocation().pathname}</output>
}

/** The palette over a page, as the shell shows them: the page at `path`, where the route says. */
function openPaletteOver(path: string) {
  const onClose = vi.fn()
  renderAt(
    path,
    '*',
    <PageCommandsProvider>
      <Routes>
        <Route path="/c/:context/resources/:kind/:namespace/:name" element={<ResourceDetail />} />
        <Route path="*" element={null} />
      </Routes>
      <Where />
      <CommandPalette context="dev" kinds={BUILTIN_KINDS} onClose={onClose} />
    </PageCommandsProvider>,
  )
  return { onClose, input: screen.getByRole('combobox', { name: /search kinds, objects and actions/i }) }
}

const hit = (kind: string, namespace: string | null, name: string) => ({ kind, row: { name, namespace, cells: {} } })

describe('command palette', () => {
  it("finds objects by name through the sidecar's search and opens the chosen one", async () => {
    serveLists({}, { '/search': { items: [hit('Deployment', 'shop', 'checkout'), hit('Pod', 'shop', 'checkout-7874646d94-8jjvq')] } })
    const { input, onClose } = openPaletteOver('/c/dev/overview')
    fireEvent.change(input, { target: { value: 'checkout' } })
    const option = await screen.findByRole('option', { name: /^Deployment shop\/checkout, open$/ })
    expect(screen.getByRole('option', { name: /Pod shop\/checkout-7874646d94-8jjvq/ })).toBeTruthy()
    fireEvent.click(option)
    expect(screen.getByTestId('where').textContent).toBe('/c/dev/resources/deployments/shop/checkout')
    expect(onClose).toHaveBeenCalled()
  })

  it("offers the object on screen's allowed actions, not the refused ones, and runs the chosen one through the safety gate", async () => {
    const offered = (type: string, extra: Record<string, unknown>, rbac = true, decision: Record<string, string> = { decision: 'allowed' }) => ({
      action: { type, ...extra },
      allowed_by_rbac: rbac,
      operation: type,
      policy: decision,
      rbac: rbac ? 'allowed' : 'RBAC does not allow patch on deployments',
    })
    serveLists(
      {},
      {
        '/resources/deployments/shop/checkout/actions': {
          items: [
            offered('rollout_restart', {}),
            offered('rollback', {}, true, { decision: 'refused', reason: 'forbidden by the safety policy' }),
            offered('scale', { replicas: 1 }, false),
          ],
        },
        '/clusters/dev/actions': { state: 'applied', action_id: 'a1', outcome: { summary: 'restarted Deployment shop/checkout' } },
      },
    )
    const { input } = openPaletteOver('/c/dev/resources/deployments/shop/checkout')
    fireEvent.change(input, { target: { value: 'checkout' } })
    const restart = await screen.findByRole('option', { name: /Restart Deployment checkout/ })
    expect(screen.getByRole('option', { name: /Investigate Deployment checkout/ })).toBeTruthy()
    expect(screen.queryByRole('option', { name: /Roll back/ })).toBeNull()
    expect(screen.queryByRole('option', { name: /Scale/ })).toBeNull()

    fireEvent.click(restart)
    await screen.findByText('restarted Deployment shop/checkout')
    const posted = vi
      .mocked(fetch)
      .mock.calls.filter(([, init]) => (init as RequestInit | undefined)?.method === 'POST')
      .map(([url, init]) => [String(url), JSON.parse(String((init as RequestInit).body))])
    expect(posted).toEqual([
      ['/api/v1/clusters/dev/actions', { kind: 'Deployment', namespace: 'shop', name: 'checkout', action: { type: 'rollout_restart' } }],
    ])
  })

  it('switches the object page to the tab chosen in the palette', async () => {
    serveLists({}, { '/resources/pods/shop/web-1/actions': { items: [] } })
    const { input } = openPaletteOver('/c/dev/resources/pods/shop/web-1')
    fireEvent.change(input, { target: { value: 'show yaml' } })
    fireEvent.click(await screen.findByRole('option', { name: /Show YAML of Pod web-1/ }))
    await waitFor(() => expect(screen.getByRole('tab', { name: 'YAML' }).getAttribute('aria-selected')).toBe('true'))
  })
})
