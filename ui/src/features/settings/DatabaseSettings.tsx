import { useQuery } from '@tanstack/react-query'
import type { ReactNode } from 'react'
import { errorMessage } from '../../api/error'
import { api, unwrap } from '../../api/transport'

/** The stores the sidecar can keep its data in, as `/api/v1/version` names them in `database.backend`. */
const STORES: { backend: string; name: string; about: ReactNode }[] = [
  {
    backend: 'sqlite',
    name: 'SQLite',
    about: "A single file in ~/.kubilitics. Nothing to install or run. The desktop app's choice.",
  },
  {
    backend: 'postgresql',
    name: 'PostgreSQL',
    about: (
      <>
        For a team deployment in a cluster: set <code>KUBILITICS_DATABASE_TYPE=postgresql</code> and{' '}
        <code>KUBILITICS_DATABASE_URL=postgresql://USER:PASSWORD@HOST:5432/DATABASE</code> (or{' '}
        <code>database.postgresql.*</code> in <code>config.yaml</code>), then restart the sidecar; it creates the schema
        when it starts. TLS follows libpq's <code>sslmode</code>: <code>require</code> by default, <code>verify-full</code>{' '}
        with <code>database.postgresql.ssl_root_cert</code> to check the server.
      </>
    ),
  },
]

/**
 * Which store the sidecar uses, read from `/api/v1/version`. It is shown, never switched here: the
 * deployment chooses it (config `database.type`), because these very settings live in it.
 */
export default function DatabaseSettings() {
  // Same key as Settings › About, so the version is fetched once.
  const version = useQuery({ queryKey: ['version'], queryFn: async () => unwrap(await api.GET('/api/v1/version')) })
  const inUse = version.data?.database
  const known = !inUse || STORES.some((s) => s.backend === inUse.backend)
  return (
    <section className="card" aria-labelledby="db-title">
      <h3 id="db-title">Database</h3>
      <fieldset className="choices">
        <legend>Where Kubilitics keeps settings, investigations and the audit log</legend>
        <p className="muted" id="db-why">
          The app's own settings, audit log and investigations are kept in this database, so the choice belongs to the
          deployment and cannot be switched here.
        </p>
        {STORES.map((store) => {
          const selected = inUse?.backend === store.backend
          let status: ReactNode = '…'
          if (selected) status = <>In use: <code>{inUse.location}</code></>
          else if (inUse) status = 'Not in use'
          else if (version.isError) status = 'Unknown'
          return (
            <label key={store.backend} className={selected ? 'choice selected' : 'choice disabled'}>
              <input
                type="radio"
                name="db"
                value={store.backend}
                checked={selected}
                disabled
                aria-labelledby={`db-${store.backend}-name`}
                aria-describedby={`db-${store.backend}-status db-${store.backend}-about db-why`}
              />
              <span>
                <strong id={`db-${store.backend}-name`}>{store.name}</strong>
                <span className="block" id={`db-${store.backend}-status`}>
                  {status}
                </span>
                <span className="block" id={`db-${store.backend}-about`}>
                  {store.about}
                </span>
              </span>
            </label>
          )
        })}
      </fieldset>
      {version.isError && (
        <p className="error" role="alert">
          Could not ask the sidecar which database it uses: {errorMessage(version.error)}
        </p>
      )}
      {!known && (
        <p className="error" role="alert">
          The sidecar reports a database this version does not know: {inUse?.backend} ({inUse?.location}).
        </p>
      )}
    </section>
  )
}
