import type { Submitted } from '../../api/types'

/** What a change submitted to the safety gate did, in a sentence; `pending` when it waits under Approvals. */
export interface Outcome {
  ok: boolean
  text: string
  pending?: boolean
}

export function outcomeOf(r: Submitted): Outcome {
  switch (r.state) {
    case 'applied':
      return { ok: true, text: `Applied: ${r.outcome.summary}` }
    case 'pending_approval':
      return { ok: true, text: `Waiting for approval: ${r.reason}`, pending: true }
    case 'refused':
      return { ok: false, text: `Refused: ${r.reason}` }
    case 'failed':
      return { ok: false, text: `Failed: ${r.reason}` }
  }
}
