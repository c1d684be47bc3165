import { describe, expect, it } from 'vitest'
import { ApiError, CLIENT_CODES } from './error'

describe('ApiError', () => {
  it('mirrors the sidecar error body', () => {
    const e = ApiError.fromBody(404, { error: { code: 'not_found', message: "there is no setting 'x'", details: { key: 'x' } } }, 'req-1')
    expect(e).toBeInstanceOf(ApiError)
    expect(e.status).toBe(404)
    expect(e.code).toBe('not_found')
    expect(e.message).toBe("there is no setting 'x'")
    expect(e.details).toEqual({ key: 'x' })
    expect(e.requestId).toBe('req-1')
  })

  it('treats a proxy gateway error as the sidecar being unreachable', () => {
    const e = ApiError.fromBody(502, 'Bad Gateway')
    expect(e.unreachable).toBe(true)
    expect(e.code).toBe(CLIENT_CODES.unreachable)
    expect(e.message).toMatch(/kubilitics serve/)
  })

  it('says where to look when the body is not ours', () => {
    const e = ApiError.fromBody(500, '<html>', 'req-9')
    expect(e.code).toBe(CLIENT_CODES.badResponse)
    expect(e.message).toMatch(/req-9/)
  })
})
