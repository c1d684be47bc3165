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

/**
 * Configuration keys the UI may set (the sidecar's `config::load::USER_SETTABLE`): stored through
 * /api/v1/settings, they apply over the config files unless the environment pins them, and at
 * once: the safety level to the next decision, the LLM provider, model and endpoint to the next
 * investigation and chat answer.
 */
export const POLICY_SETTING = {
  autonomy: 'ai.safety_policy.autonomy_level',
  provider: 'ai.llm.provider',
  model: 'ai.llm.model',
  /** Azure's endpoint or an OpenAI-compatible server's base URL (the configuration's key). */
  baseUrl: 'ai.llm.endpoint',
} as const

export const PROVIDERS = [
  ['none', 'None — built-in analyzers only'],
  ['openai', 'OpenAI'],
  ['azure', 'Azure OpenAI'],
  ['anthropic', 'Anthropic'],
  ['openai_compatible', 'OpenAI-compatible server (Ollama, vLLM, LM Studio)'],
] as const

