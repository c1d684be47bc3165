/** The runbook's three autonomy levels, in plain words. */
export const SAFETY_LEVELS = [
  {
    level: 1,
    title: 'Review before apply',
    summary: 'Kubilitics proposes fixes but never changes your cluster on its own. You approve every change.',
    bestFor: 'Getting started, production clusters, regulated environments.',
  },
  {
    level: 2,
    title: 'Auto-apply safe operations',
    summary: 'Low-risk fixes (scaling, restarting a workload) run by themselves. Anything risky — deleting, RBAC, network policy — waits for your approval.',
    bestFor: 'Teams that know their clusters and want routine fixes done quickly.',
  },
  {
    level: 3,
    title: 'Full autonomy',
    summary: 'Every fix the safety policy allows runs without asking. Forbidden operations still never run, and protected namespaces still need approval.',
    bestFor: 'Test and non-critical clusters, automated remediation.',
  },
] as const

export type SafetyLevel = 1 | 2 | 3

/** Setting keys shared with the sidecar (it reads them over its configuration defaults). */
export const POLICY_SETTING = {
  autonomy: 'ai.safety_policy.autonomy_level',
  provider: 'ai.llm.provider',
  model: 'ai.llm.model',
  baseUrl: 'ai.llm.base_url',
  database: 'database.type',
} as const

export const PROVIDERS = [
  ['none', 'None — built-in analyzers only'],
  ['openai', 'OpenAI'],
  ['azure', 'Azure OpenAI'],
  ['anthropic', 'Anthropic'],
  ['openai-compatible', 'OpenAI-compatible server (Ollama, vLLM, LM Studio)'],
] as const

