/**
 * Named aliases of the generated OpenAPI schema (`schema.d.ts`, from the sidecar's committed
 * snapshot `openapi.json`). Nothing here is written by hand: a changed endpoint shape fails the
 * type check where it is used.
 */
import type { components } from './schema'

type S = components['schemas']

export type ClusterList = S['ClusterList']
export type ContextView = S['ContextView']
export type SandboxStarted = S['SandboxStarted']

export type AiStatus = S['AiStatus']
/** LLM usage of one UTC day (`token_usage.by_day` of `/api/v1/ai/status`, for the usage chart). */
export type DayUsage = S['DayUsage']
export type Investigation = S['Investigation']
export type InvestigationList = S['InvestigationList']
export type InvestigationState = S['State']
export type StartInvestigation = S['StartInvestigation']
export type Started = S['Started']
export type ProposedAction = S['ProposedAction']
/** An action the AI proposes (typed remediation). */
export type ProposedFix = S['Action']
export type Finding = S['Finding']
export type Evidence = S['Evidence']
export type ObjectRef = S['ObjectRef']

/** A change through the workbench's safety gate. */
export type ClusterAction = S['ClusterAction']
export type ActionRequest = S['ActionRequest']
export type Submitted = S['Submitted']
export type Outcome = S['Outcome']
export type Offered = S['Offered']
export type OfferedList = S['OfferedList']
export type Decision = S['Decision']

export type EventRow = S['EventRow']
export type EventList = S['EventList']
export type Graph = S['Graph']
export type TopoNode = S['TopoNode']
export type Edge = S['Edge']
export type ListResponse = S['ListResponse']
/** How current a kind's cache is: syncing, synced, stale, forbidden (with why), or one namespace only. */
export type KindStatus = S['KindStatus']

/** What an investigation looks at: an object, a namespace, or (absent) the whole cluster. */
export type TargetSpec = S['TargetSpec']
export type SearchResult = S['SearchResult']
export type Hit = S['Hit']

/** What the background scan found without being asked (`GET /api/v1/ai/insights`). */
export type InsightList = S['InsightList']
export type InsightRow = S['InsightRow']

/** Chat (`POST /api/v1/ai/chat`): a question or one kubectl-like command, and the answer. */
export type ChatRequest = S['ChatRequest']
export type ChatAnswer = S['ChatAnswer']
export type CommandResult = S['CommandResult']
