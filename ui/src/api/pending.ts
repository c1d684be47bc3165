/**
 * Shapes of endpoints that other parts of the sidecar are still landing, as their issues
 * document them. Each one is replaced by the generated type (`components['schemas'][...]`)
 * as soon as the endpoint appears in src/api/openapi.json; nothing here is a copy of a
 * generated type.
 */

/** /api/v1/ai/status, as the runbook shows it. */
export interface AiStatus {
  status: string
  llm_provider: { name: string; connectivity: string }
  token_usage: {
    daily_used: number
    daily_quota: number
    monthly_used?: number
    monthly_cost_usd?: number
    monthly_limit_usd?: number
    history?: { date: string; tokens: number; cost_usd?: number }[]
  }
}

export type InvestigationState =
  | 'queued'
  | 'gathering'
  | 'analyzing'
  | 'reasoning'
  | 'concluded'
  | 'failed'
  | 'timed_out'
  | 'cancelled'

export interface ObjectRef {
  kind?: string
  namespace?: string | null
  name?: string
}

export interface ProposedAction {
  action_id?: string
  id?: string
  operation?: string
  type?: string
  kind?: string
  description?: string
  summary?: string
  risk?: string
  target?: ObjectRef
  state?: string
  status?: string
  reason?: string | null
  approval_required?: boolean
}

export interface Investigation {
  investigation_id: string
  context?: string
  target?: ObjectRef | null
  question?: string | null
  state: InvestigationState
  created_at?: string
  updated_at?: string
  root_cause?: { code: string; summary: string; confidence?: number; explanation?: string } | null
  evidence?: { kind?: string; source?: string; summary?: string; text?: string; object?: ObjectRef }[]
  proposed_actions?: ProposedAction[]
  steps?: { state?: string; message?: string; at?: string }[]
  error?: string | null
  llm_used?: boolean
}

export interface Insight {
  id?: string
  code: string
  severity?: string
  summary?: string
  message?: string
  objects?: ObjectRef[]
  object?: ObjectRef
  context?: string
  first_seen?: string
  last_seen?: string
  resolved?: boolean
}

/** One kubeconfig context as /api/v1/clusters lists it (sidecar ContextView). */
export interface ClusterContext {
  name: string
  cluster?: string
  user?: string | null
  namespace?: string | null
  server?: string | null
  source?: string
  origin?: string
  auth?: string
  plugin?: { plugin: string; command_line: string; sha256: string } | null
  plugin_approved?: boolean | null
  current?: boolean
  connected?: boolean
  reachable?: boolean | null
  failure?: { kind: string; message: string } | null
}
