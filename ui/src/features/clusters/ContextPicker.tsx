import { useNavigate } from 'react-router'
import { errorMessage } from '../../api/error'
import type { ContextView } from '../../api/types'
import { SETTING, usePutSetting } from '../settings/useSetting'
import { useApproveExec, useClusters, useSwitchContext } from './useClusters'

function execOf(c: ContextView): { command: string; sha256: string; approved: boolean } | null {
  return c.plugin ? { command: c.plugin.command_line, sha256: c.plugin.sha256, approved: !!c.plugin_approved } : null
}

/** Detected contexts with reachability, exec-plugin approval and a button to use one. */
export function ContextPicker({ onPicked, onRemove }: { onPicked?: (name: string) => void; onRemove?: (name: string) => void }) {
  const clusters = useClusters()
  const approve = useApproveExec()
  const use = useSwitchContext()
  const putLast = usePutSetting<string>(SETTING.lastContext)
  const navigate = useNavigate()
  if (clusters.isLoading) return <p>Looking for kubeconfig contexts…</p>
  if (clusters.error) return <p className="error">{errorMessage(clusters.error)}</p>
  const items = clusters.data?.items ?? []
  if (items.length === 0) return <p data-testid="no-contexts">No kubeconfig contexts were found in $KUBECONFIG or ~/.kube/config.</p>

  async function pick(name: string) {
    await use.mutateAsync(name).catch(() => undefined)
    putLast.mutate(name)
    if (onPicked) onPicked(name)
    else navigate(`/c/${encodeURIComponent(name)}/overview`)
  }

  return (
    <ul className="context-list" aria-label="Kubeconfig contexts">
      {items.map((c) => {
        const exec = execOf(c)
        const problem = c.failure?.message
        return (
          <li key={c.name} className="context-item" data-testid={`context-${c.name}`}>
            <div>
              <strong>{c.name}</strong> {c.current && <span className="pill pill-neutral">current</span>}
              <div className="muted small">
                {c.cluster && <>cluster {c.cluster} · </>}
                {c.user && <>user {c.user} · </>}
                {c.source && <>from {c.source}</>}
              </div>
              {c.reachable === false && problem && <div className="error small">{problem}</div>}
              {exec && !exec.approved && (
                <div className="warn-box small">
                  This context runs a command to get credentials:
                  <pre>{exec.command}</pre>
                  It will not run until you approve this exact command.
                  <button type="button" onClick={() => approve.mutate({ context: c.name, sha256: exec.sha256 })}>
                    Approve this command
                  </button>
                </div>
              )}
            </div>
            <div className="row">
              {onRemove && c.origin === 'imported' && (
                <button type="button" onClick={() => onRemove(c.name)}>
                  Remove
                </button>
              )}
              <button type="button" className="primary" onClick={() => pick(c.name)} disabled={!!exec && !exec.approved}>
                Use {c.name}
              </button>
            </div>
          </li>
        )
      })}
    </ul>
  )
}
