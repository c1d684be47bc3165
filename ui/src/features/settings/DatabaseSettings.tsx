export default function DatabaseSettings() {
  // SQLite is the one store the backend serves from (a 'postgresql' stored by an older version
  // was never applied), so it is the choice shown and there is nothing to save.
  return (
    <section className="card" aria-labelledby="db-title">
      <h3 id="db-title">Database</h3>
      <fieldset className="choices">
        <legend>Where Kubilitics keeps settings, investigations and the audit log</legend>
        <label className="choice selected">
          <input type="radio" name="db" checked readOnly />
          <span>
            <strong>SQLite</strong>
            <span className="block">A single file, ~/.kubilitics/data.db. Nothing to install or run.</span>
          </span>
        </label>
        {/* Offered only once the sidecar can serve from it: today it refuses to start with
            database.type: postgresql, so choosing it here would only lead to a backend that does not start. */}
        <label className="choice disabled">
          <input type="radio" name="db" checked={false} disabled aria-describedby="db-postgresql-why" />
          <span>
            <strong>PostgreSQL</strong>
            <span className="block" id="db-postgresql-why">
              Not available in this version: the backend keeps its data in SQLite only, for the desktop app and in a cluster alike.
            </span>
          </span>
        </label>
      </fieldset>
    </section>
  )
}
