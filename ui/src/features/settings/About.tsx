import { useQuery } from '@tanstack/react-query'
import { api, connectionMode, unwrap } from '../../api/transport'
import { HealthCheck } from './HealthCheck'
import { UpdateCheck } from './UpdateCheck'

export function About() {
  const version = useQuery({ queryKey: ['version'], queryFn: async () => unwrap(await api.GET('/api/v1/version')) })
  const mode = useQuery({ queryKey: ['connection-mode'], queryFn: connectionMode })
  return (
    <div className="stack">
      <section className="card" aria-labelledby="about-title">
        <h3 id="about-title">About Kubilitics</h3>
        <dl className="kv-list">
          <dt>Version</dt>
          <dd data-testid="version">{version.data?.version ?? '…'}</dd>
          <dt>Running as</dt>
          <dd>{mode.data === 'desktop' ? 'desktop app' : 'browser (served by the sidecar)'}</dd>
        </dl>
        {mode.data === 'desktop' && <UpdateCheck />}
      </section>
      <HealthCheck />
    </div>
  )
}
