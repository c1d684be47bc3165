/**
 * The one error type of the UI's API layer. It mirrors the sidecar's error body
 * `{"error":{"code","message","details"}}` (schema `ErrorBody`), and adds the codes the
 * transport itself produces when no answer came back at all.
 */
import type { components } from './schema'

export type ErrorBody = components['schemas']['ErrorBody']

/** Codes produced on this side of the wire. */
export const CLIENT_CODES = {
  unreachable: 'sidecar_unreachable',
  badResponse: 'bad_response',
  aborted: 'aborted',
} as const

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly details: Record<string, unknown>
  readonly requestId?: string

  constructor(
    status: number,
    code: string,
    message: string,
    details: Record<string, unknown> = {},
    requestId?: string,
  ) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details
    this.requestId = requestId
  }

  /** True when the sidecar could not be reached (as opposed to answering with an error). */
  get unreachable(): boolean {
    return this.code === CLIENT_CODES.unreachable
  }

  /** Builds an ApiError from a response whose body may or may not be our error shape. */
  static fromBody(status: number, body: unknown, requestId?: string): ApiError {
    const e = (body as Partial<ErrorBody> | null)?.error
    if (e && typeof e.code === 'string' && typeof e.message === 'string') {
      return new ApiError(status, e.code, e.message, (e.details as Record<string, unknown>) ?? {}, requestId)
    }
    // A proxy in between (dev server, ingress) answered instead of the sidecar.
    if (status === 502 || status === 503 || status === 504) {
      return ApiError.unreachableError()
    }
    return new ApiError(
      status,
      CLIENT_CODES.badResponse,
      `The sidecar answered ${status} without an error description. Check the sidecar log (~/.kubilitics/kubilitics.log)${requestId ? ` for request ${requestId}` : ''}.`,
      {},
      requestId,
    )
  }

  static unreachableError(): ApiError {
    return new ApiError(
      0,
      CLIENT_CODES.unreachable,
      'Cannot reach the Kubilitics backend. If you started it yourself, check that `kubilitics serve` is still running; the app reconnects on its own.',
    )
  }
}

/** A message for any thrown value, for places that show errors to the user. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message
  if (e instanceof Error) return e.message
  return String(e)
}
