import { useNavigate } from 'react-router'
import { SETTING, usePutSetting } from '../settings/useSetting'
import { useClusters, useSwitchContext } from './useClusters'

export function ContextSwitcher({ context }: { context?: string }) {
  const clusters = useClusters()
  const navigate = useNavigate()
  const putLast = usePutSetting<string>(SETTING.lastContext)
  const use = useSwitchContext()
  const items = clusters.data?.items ?? []
  return (
    <label className="context-switcher">
      <span className="visually-hidden">Kubernetes context</span>
      <select
        data-testid="context-switcher"
        value={context ?? ''}
        onChange={(e) => {
          const name = e.target.value
          if (name === '__add') return navigate('/settings/contexts')
          use.mutate(name)
          putLast.mutate(name)
          navigate(`/c/${encodeURIComponent(name)}/overview`)
        }}
      >
        {!context && <option value="">No context</option>}
        {context && !items.some((c) => c.name === context) && <option value={context}>{context}</option>}
        {items.map((c) => (
          <option key={c.name} value={c.name}>
            {c.name}
            {c.reachable === false ? ' (unreachable)' : ''}
          </option>
        ))}
        <option value="__add">Add or import a context…</option>
      </select>
    </label>
  )
}
