import { useState } from 'react'
import { errorMessage } from '../../api/error'
import { connectionMode } from '../../api/transport'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { POLICY_SETTING, PROVIDERS } from './safetyLevels'
import { usePutSetting, useSetting } from './useSetting'
import { aiStatusQuery, useAiStatus } from '../investigations/useInvestigations'
import { BudgetChart } from './BudgetChart'


export function LlmProviderForm({ onSaved }: { onSaved?: () => void }) {
  const provider = useSetting<string>(POLICY_SETTING.provider)
  const model = useSetting<string>(POLICY_SETTING.model)
  const baseUrl = useSetting<string>(POLICY_SETTING.baseUrl)
  const putProvider = usePutSetting<string>(POLICY_SETTING.provider)
  const putModel = usePutSetting<string>(POLICY_SETTING.model)
  const putBase = usePutSetting<string>(POLICY_SETTING.baseUrl)
  const mode = useQuery({ queryKey: ['connection-mode'], queryFn: connectionMode })
  const qc = useQueryClient()
  const [draft, setDraft] = useState<{ provider?: string; model?: string; baseUrl?: string; key?: string }>({})
  const [status, setStatus] = useState<string | null>(null)
  const p = draft.provider ?? provider.data ?? 'none'

  async function save(e: React.FormEvent) {
    e.preventDefault()
    try {
      // The backend rebuilds the provider as each is saved and uses it from the next
      // investigation and chat answer: the provider last, so it is built with the rest in place.
      if (draft.model !== undefined) await putModel.mutateAsync(draft.model)
      if (draft.baseUrl !== undefined) await putBase.mutateAsync(draft.baseUrl)
      await putProvider.mutateAsync(p)
      const changed = (draft.provider !== undefined && draft.provider !== (provider.data ?? 'none')) || draft.model !== undefined || draft.baseUrl !== undefined || !!draft.key
      // A key goes to the OS keyring through the desktop shell, which hands it to the running backend.
      if (draft.key && mode.data === 'desktop') {
        const { invoke } = await import('@tauri-apps/api/core')
        await invoke('store_llm_api_key', { provider: p, key: draft.key })
      }
      // What the backend made of it: a provider it cannot use says why (no key, no URL).
      const now = await qc.fetchQuery({ ...aiStatusQuery, staleTime: 0 }).catch(() => null)
      const unusable = p !== 'none' && now?.llm_provider.connectivity === 'not_configured' ? now.llm_provider.last_error : undefined
      setDraft({})
      setStatus(
        !changed
          ? 'Saved.'
          : unusable
            ? `Saved, but not in use: ${unusable}`
            : 'Saved. In use from the next investigation and chat answer.',
      )
      onSaved?.()
    } catch (err) {
      setStatus(`Not saved: ${errorMessage(err)}`)
    }
  }

  /** Desktop only: the shell deletes the keyring entry and tells the backend to forget the key. */
  async function removeKey() {
    try {
      const { invoke } = await import('@tauri-apps/api/core')
      await invoke('delete_llm_api_key', { provider: p })
      setDraft({ ...draft, key: undefined })
      setStatus('Key removed from the keyring; no longer used.')
    } catch (err) {
      setStatus(`Not removed: ${errorMessage(err)}`)
    }
  }

  return (
    <form onSubmit={save} className="form">
      <label>
        Provider
        <select value={p} onChange={(e) => setDraft({ ...draft, provider: e.target.value })}>
          {PROVIDERS.map(([id, label]) => (
            <option key={id} value={id}>
              {label}
            </option>
          ))}
        </select>
      </label>
      {p !== 'none' && (
        <>
          <label>
            Model
            <input value={draft.model ?? model.data ?? ''} placeholder="e.g. gpt-4o-mini" onChange={(e) => setDraft({ ...draft, model: e.target.value })} />
          </label>
          {(p === 'openai_compatible' || p === 'azure') && (
            <label>
              {p === 'azure' ? 'Endpoint' : 'Base URL'}
              <input value={draft.baseUrl ?? baseUrl.data ?? ''} placeholder="http://localhost:11434/v1" onChange={(e) => setDraft({ ...draft, baseUrl: e.target.value })} />
            </label>
          )}
          {mode.data === 'desktop' ? (
            <>
              <label>
                API key (stored in your operating system's keyring, never on disk)
                <input type="password" autoComplete="off" value={draft.key ?? ''} onChange={(e) => setDraft({ ...draft, key: e.target.value })} />
              </label>
              <div className="row">
                <button type="button" onClick={removeKey}>
                  Remove the saved key
                </button>
              </div>
            </>
          ) : (
            <p className="muted">
              In browser mode the API key is not entered here: set <code>AI_LLM_API_KEY</code> in the sidecar's environment (or its OS keyring) and restart it.
            </p>
          )}
        </>
      )}
      <div className="row">
        <button type="submit" className="primary">
          Save
        </button>
        <span role="status">{status}</span>
      </div>
    </form>
  )
}

export default function AiSettings() {
  const status = useAiStatus()
  return (
    <div className="stack">
      <section className="card" aria-labelledby="llm-title">
        <h3 id="llm-title">LLM provider</h3>
        <p className="muted">Optional. Without one, investigations use the built-in analyzers and still name a root cause.</p>
        <LlmProviderForm />
      </section>
      <section className="card" aria-labelledby="budget-title">
        <h3 id="budget-title">Budget and usage</h3>
        {status.error ? <p className="muted">{errorMessage(status.error)}</p> : <BudgetChart status={status.data} />}
      </section>
    </div>
  )
}
