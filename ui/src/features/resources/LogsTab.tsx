import { useQuery } from '@tanstack/react-query'
import { useEffect, useMemo, useRef, useState } from 'react'
import { errorMessage } from '../../api/error'
import { followLogs } from '../../api/live'
import { requestText } from '../../api/transport'
import { objectPath } from './useResources'

/** Lines a followed log keeps (the oldest go first), so a chatty container cannot fill memory. */
export const FOLLOW_KEEP = 10_000
const TAIL = 2000

interface Followed {
  lines: string[]
  /** Why the stream stopped, when it did. */
  ended: string | null
}

const NOT_STARTED: Followed = { lines: [], ended: null }

/**
 * A pod's log as it is written: the sidecar streams it over the shared WebSocket (no polling);
 * starts with the last TAIL lines.
 */
function useFollowedLog(on: boolean, context: string, namespace: string, pod: string, container: string): Followed | null {
  const key = [context, namespace, pod, container].join('\u0000')
  // State of the stream for `key`; anything else (an older stream) reads as not started.
  const [state, setState] = useState<(Followed & { key: string }) | null>(null)
  useEffect(() => {
    if (!on) return
    const update = (f: (s: Followed) => Followed) =>
      setState((s) => ({ key, ...f(s?.key === key ? s : { lines: [], ended: null }) }))
    return followLogs(
      { context, namespace, pod, container: container || undefined, tail: TAIL },
      (more) =>
        update((s) => {
          const lines = [...s.lines, ...more]
          return { lines: lines.length > FOLLOW_KEEP ? lines.slice(lines.length - FOLLOW_KEEP) : lines, ended: null }
        }),
      (why) => update((s) => ({ lines: s.lines, ended: why })),
      () => update(() => ({ lines: [], ended: null })),
    )
  }, [on, key, context, namespace, pod, container])
  if (!on) return null
  return state?.key === key ? state : NOT_STARTED
}

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
  // A previous container's log is complete: following it means reading it once.
  const following = follow && !previous
  const logs = useQuery({
    queryKey: ['logs', context, namespace, name, c, previous],
    queryFn: () => requestText(`${objectPath(context, 'pods', namespace, name)}/logs`, { container: c, previous, tail: TAIL }),
    enabled: !following,
    retry: false,
  })
  const followed = useFollowedLog(following, context, namespace, name, c)
  const box = useRef<HTMLPreElement>(null)
  const text = following ? null : logs.data
  const lines = useMemo(() => followed?.lines ?? (text ?? '').split('\n'), [followed, text])
  useEffect(() => {
    if (following && box.current) box.current.scrollTop = box.current.scrollHeight
  }, [lines, following])
  const shown = search ? lines.filter((l) => l.toLowerCase().includes(search.toLowerCase())) : lines
  const empty = following ? (followed?.ended ? 'No log lines.' : 'Waiting for the first line…') : search ? 'No line matches.' : 'No log lines.'

  function download() {
    const blob = new Blob([lines.join('\n')], { type: 'text/plain' })
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
        <label title={previous ? 'A previous container writes no more lines' : undefined}>
          <input type="checkbox" checked={following} disabled={previous} onChange={(e) => setFollow(e.target.checked)} /> Follow
        </label>
        <label>
          Search <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
        <button type="button" onClick={download} disabled={lines.length === 0 || (lines.length === 1 && !lines[0])}>
          Download
        </button>
      </div>
      {!following && logs.error && <p className="error">{errorMessage(logs.error)}</p>}
      {following && (
        <p className="muted" role="status" data-testid="follow-status">
          {followed?.ended ? `Stopped following: ${followed.ended}` : 'Following: new lines appear as the container writes them.'}
        </p>
      )}
      <pre ref={box} className="logs" data-testid="logs" aria-label={`Logs of ${c}`} tabIndex={0}>
        {!following && logs.isLoading ? 'Loading…' : shown.join('\n') || (search && lines.some(Boolean) ? 'No line matches.' : empty)}
      </pre>
    </div>
  )
}
