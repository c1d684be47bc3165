import { render, screen } from '@testing-library/react'
import { createMemoryRouter, Outlet, RouterProvider } from 'react-router'
import { describe, expect, it, vi } from 'vitest'
import { PageError } from './PageError'

function Throws({ error }: { error: Error }): never {
  throw error
}

/** A frame (standing in for the Shell) with one page that fails to render. */
function renderFailingPage(error: Error) {
  const router = createMemoryRouter([
    {
      element: (
        <div>
          <nav>frame</nav>
          <Outlet />
        </div>
      ),
      children: [{ errorElement: <PageError />, children: [{ index: true, element: <Throws error={error} /> }] }],
    },
  ])
  render(<RouterProvider router={router} />)
}

describe('PageError', () => {
  it('says a page could not be loaded when its code did not arrive, and keeps the frame', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    renderFailingPage(new TypeError('Failed to fetch dynamically imported module: http://127.0.0.1:1/assets/SettingsPage.js'))
    expect(await screen.findByText('This page could not be loaded')).toBeTruthy()
    expect(screen.getByText('frame')).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy()
  })

  it('names any other failure with its message', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    renderFailingPage(new Error('rows is undefined'))
    expect(await screen.findByText('This page failed')).toBeTruthy()
    expect(screen.getByText(/rows is undefined/)).toBeTruthy()
  })
})
