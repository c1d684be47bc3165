import { ApiError, errorMessage } from '../../api/error'

/** The line an import error points at, from the sidecar's error details or its message. */
export function errorLine(e: unknown): number | null {
  if (e instanceof ApiError) {
    const l = e.details.line
    if (typeof l === 'number') return l
  }
  const m = /line (\d+)/i.exec(errorMessage(e))
  return m?.[1] ? Number(m[1]) : null
}

