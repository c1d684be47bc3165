import { POLICY_SETTING } from './safetyLevels'
import { usePutSetting, useSetting } from './useSetting'

export default function DatabaseSettings() {
  const db = useSetting<'sqlite' | 'postgresql'>(POLICY_SETTING.database)
  const put = usePutSetting<'sqlite' | 'postgresql'>(POLICY_SETTING.database)
  const value = db.data ?? 'sqlite'
  return (
    <section className="card" aria-labelledby="db-title">
      <h3 id="db-title">Database</h3>
      <fieldset className="choices">
        <legend>Where Kubilitics keeps settings, investigations and the audit log</legend>
        <label className={`choice ${value === 'sqlite' ? 'selected' : ''}`}>
          <input type="radio" name="db" checked={value === 'sqlite'} onChange={() => put.mutate('sqlite')} />
          <span>
            <strong>SQLite (recommended)</strong>
            <span className="block">A single file, ~/.kubilitics/data.db. Nothing to install or run.</span>
          </span>
        </label>
        <label className={`choice ${value === 'postgresql' ? 'selected' : ''}`}>
          <input type="radio" name="db" checked={value === 'postgresql'} onChange={() => put.mutate('postgresql')} />
          <span>
            <strong>PostgreSQL</strong>
            <span className="block">For a team sharing one backend in a cluster. Set the connection in ~/.kubilitics/config.yaml (database.postgresql) and restart.</span>
          </span>
        </label>
      </fieldset>
    </section>
  )
}
