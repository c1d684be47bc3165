import { screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { renderAt, serveLists } from '../../test/fakeSidecar'
import SettingsPage from './SettingsPage'

afterEach(() => vi.unstubAllGlobals())

describe('SettingsPage', () => {
  it('opens General for a section that does not exist instead of an empty page', async () => {
    serveLists({}, { '/api/v1/settings': { items: [] } })
    renderAt('/settings/health', '/settings/:section?', <SettingsPage />)
    expect(await screen.findByRole('heading', { name: 'Appearance' })).toBeTruthy()
    expect(screen.getByRole('link', { name: 'General' }).className).toContain('active')
  })
})
