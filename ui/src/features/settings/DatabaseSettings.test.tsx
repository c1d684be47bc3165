import { screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { renderWithQueries, serveLists } from '../../test/fakeSidecar'
import DatabaseSettings from './DatabaseSettings'

afterEach(() => vi.unstubAllGlobals())

function radio(name: string) {
  return screen.getByRole('radio', { name }) as HTMLInputElement
}

describe('DatabaseSettings', () => {
  it('shows SQLite in use with its file, and nothing to switch', async () => {
    serveLists({}, { '/api/v1/version': { version: '1.2.3', database: { backend: 'sqlite', location: '/root/.kubilitics/data.db' } } })
    renderWithQueries(<DatabaseSettings />)
    expect(await screen.findByText('/root/.kubilitics/data.db')).toBeTruthy()
    expect(radio('SQLite').checked).toBe(true)
    expect(radio('PostgreSQL').checked).toBe(false)
    // What a screen reader says with the radio: in use where, and why it cannot be changed.
    expect(screen.getByRole('radio', { name: 'SQLite', description: /^In use: \/root\/\.kubilitics\/data\.db .*the choice belongs to the deployment/ })).toBeTruthy()
    expect(screen.getByRole('radio', { name: 'PostgreSQL', description: /^Not in use/ })).toBeTruthy()
    expect(radio('SQLite').disabled && radio('PostgreSQL').disabled).toBe(true)
  })

  it('shows PostgreSQL in use with where it connects', async () => {
    serveLists({}, { '/api/v1/version': { version: '1.2.3', database: { backend: 'postgresql', location: 'kubilitics@db:5432/kubilitics' } } })
    renderWithQueries(<DatabaseSettings />)
    expect(await screen.findByText('kubilitics@db:5432/kubilitics')).toBeTruthy()
    expect(radio('PostgreSQL').checked).toBe(true)
    expect(radio('SQLite').checked).toBe(false)
    expect(screen.getByRole('radio', { name: 'PostgreSQL', description: /^In use: kubilitics@db:5432\/kubilitics / })).toBeTruthy()
    expect(screen.queryByText(/Not available in this version/)).toBeNull()
  })

  it('says so when the sidecar cannot tell which one is in use', async () => {
    serveLists({})
    renderWithQueries(<DatabaseSettings />)
    expect((await screen.findByRole('alert')).textContent).toMatch(/Could not ask the sidecar which database it uses/)
    expect(radio('SQLite').checked || radio('PostgreSQL').checked).toBe(false)
  })
})
