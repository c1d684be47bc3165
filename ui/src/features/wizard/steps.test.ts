import { describe, expect, it } from 'vitest'
import { advance, INITIAL } from './steps'

describe('wizard progress', () => {
  it('walks the steps in order and finishes after the database', () => {
    let p = advance(INITIAL, 'connect', false)
    expect(p).toEqual({ step: 'safety', finished: false, skipped: [] })
    p = advance(p, 'safety', true)
    expect(p.step).toBe('ai')
    expect(p.skipped).toEqual(['safety'])
    p = advance(p, 'ai', true)
    p = advance(p, 'database', false)
    expect(p.finished).toBe(true)
    expect(p.skipped).toEqual(['safety', 'ai'])
  })

  it('forgets a skip when the step is completed on a revisit', () => {
    const p = advance({ step: 'safety', finished: true, skipped: ['safety'] }, 'safety', false)
    expect(p.skipped).toEqual([])
    expect(p.finished).toBe(true)
  })
})
