import { lazy, Suspense, useEffect, useState } from 'react'
import { NavLink, Outlet } from 'react-router'
import { useCurrentContext } from './useCurrentContext'
import { ConnectionBanner } from '../features/health/ConnectionBanner'
import { ContextSwitcher } from '../features/clusters/ContextSwitcher'
import { useClusters } from '../features/clusters/useClusters'
import { contextProblem } from '../features/clusters/contextProblem'
import { useKinds, BUILTIN_KINDS, type KindDef } from '../features/resources/kinds'
import { useTheme } from '../features/settings/theme'
import { PageCommandsProvider } from '../features/palette/PageCommandsProvider'
import { usePendingApprovals } from '../features/approvals/useApprovals'

const CommandPalette = lazy(() => import('../features/palette/CommandPalette'))
const ChatPanel = lazy(() => import('../features/chat/ChatPanel'))


export function Shell() {
  useTheme()
  const context = useCurrentContext()
  const kinds = useKinds(context)
  const clusters = useClusters()
  const waiting = usePendingApprovals().data?.length ?? 0
  const [palette, setPalette] = useState(false)
  const [chat, setChat] = useState(false)

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault()
        setPalette((p) => !p)
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  const clusterProblem = contextProblem(context, clusters.data)
  const allKinds = kinds.data ?? BUILTIN_KINDS
  const c = context ? `/c/${encodeURIComponent(context)}` : null

  return (
    <PageCommandsProvider>
      <div className="shell">
        <a href="#main" className="skip-link">
          Skip to content
        </a>
        <header className="topbar">
          <span className="brand">Kubilitics</span>
          <ContextSwitcher context={context} />
          <button type="button" className="palette-button" onClick={() => setPalette(true)} aria-keyshortcuts="Control+K Meta+K">
            Search or run a command… <kbd>Ctrl K</kbd>
          </button>
          <button type="button" onClick={() => setChat((v) => !v)} aria-expanded={chat} aria-controls="chat-panel">
            Chat
          </button>
        </header>
        <nav className="sidebar" aria-label="Main">
          {c && (
            <>
              <NavLink to={`${c}/overview`}>Overview</NavLink>
              <NavLink to={`${c}/topology`}>Topology</NavLink>
            </>
          )}
          <NavLink to="/investigations">Investigations</NavLink>
          <NavLink to="/insights">Insights</NavLink>
          <NavLink to="/approvals" aria-label={waiting ? `Approvals, ${waiting} waiting` : 'Approvals'}>
            Approvals{waiting > 0 && <span className="pill pill-warn nav-count">{waiting}</span>}
          </NavLink>
          <NavLink to="/audit">Audit log</NavLink>
          {c && <KindNav base={c} kinds={allKinds} />}
          <NavLink to="/settings/general">Settings</NavLink>
        </nav>
        <main id="main" tabIndex={-1}>
          <ConnectionBanner clusterProblem={clusterProblem} />
          <Outlet />
        </main>
        {chat && (
          <Suspense fallback={null}>
            <ChatPanel context={context} onClose={() => setChat(false)} />
          </Suspense>
        )}
        {palette && (
          <Suspense fallback={null}>
            <CommandPalette context={context} kinds={allKinds} onClose={() => setPalette(false)} />
          </Suspense>
        )}
      </div>
    </PageCommandsProvider>
  )
}

function KindNav({ base, kinds }: { base: string; kinds: KindDef[] }) {
  const groups = new Map<string, KindDef[]>()
  for (const k of kinds) groups.set(k.category, [...(groups.get(k.category) ?? []), k])
  return (
    <>
      {[...groups].map(([cat, ks]) => (
        <details key={cat} open={cat === 'Workloads'}>
          <summary>{cat}</summary>
          {ks.map((k) => (
            <NavLink key={k.name} to={`${base}/resources/${k.name}`} className="kind-link" title={k.kind}>
              {k.kind}
            </NavLink>
          ))}
        </details>
      ))}
    </>
  )
}
