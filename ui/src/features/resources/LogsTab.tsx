import { useQuery } from '@tanstack/react-query'
import { useEffect, useMemo, useRef, useState } from 'react'
import { errorMessage } from '../../api/error'
import { requestText } from '../../api/transport'
import { objectPath } from './useResources'

function containersOf(obj: Record<string, unknown> | undefined): string[] {
  const spec = (obj?.spec ?? {}) as { containers?: { name: string }[]; initContainers?: { name: string }[] }
  return [...(spec.containers ?? []), ...(spec.initContainers ?? [])].map((c) => c.name)
}

/** Pod logs: container picker, previous, follow, search, download. */
export function LogsTab({ context, namespace, name, pod }: { context: string; namespace: string; name: string; pod?: Record<string, unknown> }) {
  const containers = containersOf(pod)
  const [container, setContainer] = useState('')
  const [previous, setPrevious] = useState(false)
  const [follow, setFollow] = useState(false)
  const [search, setSearch] = useState('')
  const c = container || containers[0] || ''
  const logs = useQuery({
    queryKey: ['logs', context, namespace, name, c, previous],
    queryFn: () => requestText(`${objectPath(context, 'pods', namespace, name)}/logs`, { container: c, previous, tail: 2000 }),
    // Following re-reads the tail once a second until the sidecar's log stream is wired in here.
    refetchInterval: follow ? 1000 : false,
    retry: false,
  })
  const box = useRef<HTMLPreElement>(null)
  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight
  }, [logs.data, follow])
  const lines = useMemo(() => (logs.data ?? '').split('\n'), [logs.data])
  const shown = search ? lines.filter((l) => l.toLowerCase().includes(search.toLowerCase())) : lines

  function download() {
    const blob = new Blob([logs.data ?? ''], { type: 'text/plain' })
    const a = document.createElement('a')
    a.href = URL.createObjectURL(blob)
    a.download = `${namespace}-${name}-${c}${previous ? '-previous' : ''}.log`
    a.click()
    URL.revokeObjectURL(a.href)
  }

  return (
    <div className="stack">
      <div className="row" role="toolbar" aria-label="Logs">
        {containers.length > 1 && (
          <label>
            Container{' '}
            <select value={c} onChange={(e) => setContainer(e.target.value)}>
              {containers.map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          </label>
        )}
        <label>
          <input type="checkbox" checked={previous} onChange={(e) => setPrevious(e.target.checked)} /> Previous container
        </label>
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow
        </label>
        <label>
          Search <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <button type="button" onClick={download} disabled={!logs.data}>
          Download
        </button>
      </div>
      {logs.error && <p className="error">{errorMessage(logs.error)}</p>}
      <pre ref={box} className="logs" data-testid="logs" aria-label={`Logs of ${c}`} tabIndex={0}>
        {logs.isLoading ? 'Loading…' : shown.join('\n') || (search ? 'No line matches.' : 'No log lines.')}
      </pre>
    </div>
  )
}
