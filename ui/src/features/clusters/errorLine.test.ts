import { describe, expect, it } from 'vitest'
import { ApiError } from '../../api/error'
import { errorLine } from './errorLine'

describe('kubeconfig import errors', () => {
  it('takes the line from the error details', () => {
    expect(errorLine(new ApiError(400, 'invalid_kubeconfig', 'bad', { line: 7 }))).toBe(7)
  })
  it('falls back to the message', () => {
    expect(errorLine(new ApiError(400, 'invalid_kubeconfig', 'users[0].user: unknown field at line 12 column 3'))).toBe(12)
  })
  it('is null when nothing names a line', () => {
    expect(errorLine(new Error('nope'))).toBeNull()
  })
})
