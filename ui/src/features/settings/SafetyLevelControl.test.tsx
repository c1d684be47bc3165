import { fireEvent, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { renderWithQueries, serveSettings } from '../../test/fakeSidecar'
import { SafetyLevelControl } from './SafetyLevelControl'

afterEach(() => vi.unstubAllGlobals())

/** A sidecar whose gate is at `level` (pinned by `pinnedBy`, if given); PUT moves it unless pinned. */
function serveGate(level: number, pinnedBy?: string) {
  const puts = serveSettings({
    // Read at each request, so a PUT that moved the level shows in the next status.
    answers: { '/api/v1/ai/status': () => ({ safety: { autonomy_level: level, pinned_by: pinnedBy } }) },
    onPut: (key, value) => {
      if (key !== 'ai.safety_policy.autonomy_level') return new Response('{}', { status: 404 })
      if (pinnedBy) return Response.json({ error: { code: 'conflict', message: `set by ${pinnedBy}` } }, { status: 409 })
      level = value as number
      return undefined
    },
  })
  return { values: () => puts.map(([, value]) => value) }
}

const renderControl = () => renderWithQueries(<SafetyLevelControl />)

describe('SafetyLevelControl', () => {
  it("shows the gate's level and moves it when another is chosen", async () => {
    const gate = serveGate(2)
    renderControl()
    await waitFor(() => expect((screen.getByRole('radio', { name: /Level 2/ }) as HTMLInputElement).checked).toBe(true))
    fireEvent.click(screen.getByRole('radio', { name: /Level 3/ }))
    await waitFor(() => expect((screen.getByRole('radio', { name: /Level 3/ }) as HTMLInputElement).checked).toBe(true))
    expect(gate.values()).toEqual([3])
  })

  it('says who pinned the level and offers no choice that would not apply', async () => {
    serveGate(1, 'env AI_SAFETY_AUTONOMY_LEVEL')
    renderControl()
    expect((await screen.findByRole('note')).textContent).toContain('env AI_SAFETY_AUTONOMY_LEVEL')
    // Disabled through its fieldset, as a browser disables it.
    expect(screen.getByRole('radio', { name: /Level 3/ }).matches(':disabled')).toBe(true)
    expect((screen.getByRole('radio', { name: /Level 1/ }) as HTMLInputElement).checked).toBe(true)
  })
})
