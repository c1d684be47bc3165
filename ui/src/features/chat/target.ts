/**
 * What a chat question is about: the words that could name an object ("why is checkout
 * failing?" → checkout), and which of the cluster's objects with that name to investigate.
 */
import type { Hit, TargetSpec } from '../../api/types'

/** Words of questions that name no object. */
const COMMON = new Set(
  (
    'the and for are was were why what which who how when where does did doing done has have had not its this that these those with from into onto ' +
    'than then there their them they you your our any all some can could would should will shall may might must is be been being am ' +
    'failing failed fails fail broken down crash crashing crashed restart restarting restarts keeps keep slow error errors wrong happening ' +
    'pod pods deployment deployments service services namespace namespaces cluster node nodes container containers app application workload ' +
    'please tell explain show look check status going on about get'
  ).split(' '),
)

/** Candidate object names in a question, most specific first (longest), at most `max`. */
export function candidates(question: string, max = 4): string[] {
  const words = question.toLowerCase().match(/[a-z0-9]([a-z0-9.-]*[a-z0-9])?/g) ?? []
  const seen = new Set<string>()
  for (const w of words) if (w.length >= 3 && !COMMON.has(w) && !/^\d+$/.test(w)) seen.add(w)
  return [...seen].sort((a, b) => b.length - a.length).slice(0, max)
}

/** Kinds an investigation can start from, best first: the workload is where a fix goes. */
const RANK = ['Deployment', 'StatefulSet', 'DaemonSet', 'CronJob', 'Job', 'Pod', 'Service', 'Node']

/** The object named exactly `name` among search hits, preferring workloads; a namespace of that name otherwise. */
export function pickTarget(name: string, hits: Hit[]): TargetSpec | null {
  const exact = hits.filter((h) => h.row.name === name)
  for (const kind of RANK) {
    const h = exact.find((x) => x.kind === kind)
    if (h) return { kind, namespace: h.row.namespace ?? null, name }
  }
  if (exact.some((h) => h.kind === 'Namespace')) return { namespace: name }
  return null
}

/** "Deployment shop/checkout", "namespace shop", "the whole cluster". */
export function describeTarget(t: TargetSpec | null | undefined): string {
  if (!t) return 'the whole cluster'
  if (t.kind && t.name) return `${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name}`
  return `namespace ${t.namespace}`
}
