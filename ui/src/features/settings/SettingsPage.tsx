import { Navigate, NavLink, useParams } from 'react-router'
import { About } from './About'
import { useTheme } from './theme'
import { lazy, Suspense } from 'react'

const ContextsSettings = lazy(() => import('../clusters/ContextsSettings'))
const SafetySettings = lazy(() => import('./SafetySettings'))
const AiSettings = lazy(() => import('./AiSettings'))
const DatabaseSettings = lazy(() => import('./DatabaseSettings'))

const SECTIONS = [
  ['general', 'General'],
  ['contexts', 'Contexts'],
  ['safety', 'Safety'],
  ['ai', 'AI & budget'],
  ['database', 'Database'],
  ['about', 'About'],
] as const

export default function SettingsPage() {
  const { section = 'general' } = useParams()
  // An old or mistyped link (/settings/health) lands on General rather than an empty page.
  if (!SECTIONS.some(([id]) => id === section)) return <Navigate to="/settings/general" replace />
  return (
    <div className="page">
      <h1>Settings</h1>
      <div className="settings">
        <nav aria-label="Settings sections" className="subnav">
          {SECTIONS.map(([id, label]) => (
            <NavLink key={id} to={`/settings/${id}`} className={({ isActive }) => (isActive || (id === 'general' && section === 'general') ? 'active' : '')}>
              {label}
            </NavLink>
          ))}
        </nav>
        <div className="settings-body">
          <Suspense fallback={<p>Loading…</p>}>
            {section === 'general' && <General />}
            {section === 'contexts' && <ContextsSettings />}
            {section === 'safety' && <SafetySettings />}
            {section === 'ai' && <AiSettings />}
            {section === 'database' && <DatabaseSettings />}
            {section === 'about' && <About />}
          </Suspense>
        </div>
      </div>
    </div>
  )
}

function General() {
  const [theme, setTheme] = useTheme()
  return (
    <section className="card" aria-labelledby="appearance-title">
      <h3 id="appearance-title">Appearance</h3>
      <fieldset>
        <legend>Theme</legend>
        {(['light', 'dark'] as const).map((t) => (
          <label key={t} className="radio">
            <input type="radio" name="theme" value={t} checked={theme === t} onChange={() => setTheme(t)} />
            {t === 'light' ? 'Light' : 'Dark'}
          </label>
        ))}
      </fieldset>
      <p className="muted">Saved in the Kubilitics backend, so it follows you between the desktop app and the browser.</p>
    </section>
  )
}
