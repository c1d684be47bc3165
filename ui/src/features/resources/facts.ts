/**
 * The few fields of an object a reader looks for first, by kind: what `kubectl describe` puts at
 * the top (a Service's selector and ports, a workload's replicas and images, a node's version and
 * capacity...). Values only; a Secret shows its key names, never its data.
 */
export type Fact = [label: string, value: string]

type Obj = Record<string, unknown>

const get = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Obj)[k] : undefined), o)
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined)
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const pairs = (v: unknown): string | undefined => {
  const entries = v && typeof v === 'object' ? Object.entries(v as Obj) : []
  return entries.length ? entries.map(([k, x]) => `${k}=${String(x)}`).join(', ') : undefined
}
const keys = (...maps: unknown[]): string | undefined => {
  const names = maps.flatMap((m) => (m && typeof m === 'object' ? Object.keys(m) : [])).sort()
  return names.length ? names.join(', ') : '(none)'
}
const images = (podSpec: unknown): string | undefined => {
  const all = [...list(get(podSpec, 'initContainers')), ...list(get(podSpec, 'containers'))].map((c) => str(get(c, 'image'))).filter(Boolean)
  return all.length ? [...new Set(all)].join(', ') : undefined
}
const replicas = (o: Obj): string | undefined => {
  const want = str(get(o, 'spec', 'replicas'))
  return want === undefined ? undefined : `${str(get(o, 'status', 'readyReplicas')) ?? '0'} of ${want} ready`
}
const ports = (spec: unknown): string | undefined => {
  const ps = list(get(spec, 'ports')).map((p) => {
    const port = `${str(get(p, 'port'))}/${str(get(p, 'protocol')) ?? 'TCP'}`
    const target = str(get(p, 'targetPort'))
    const node = str(get(p, 'nodePort'))
    const name = str(get(p, 'name'))
    return `${name ? `${name} ` : ''}${port}${target && target !== str(get(p, 'port')) ? ` → ${target}` : ''}${node ? ` (node ${node})` : ''}`
  })
  return ps.length ? ps.join(', ') : undefined
}

const capacity = (node: Obj): string | undefined => {
  const parts = (['cpu', 'memory', 'pods'] as const).flatMap((k) => {
    const v = str(get(node, 'status', 'capacity', k))
    return v ? [`${k} ${v}`] : []
  })
  return parts.length ? parts.join(', ') : undefined
}

function byKind(kind: string, o: Obj): [string, string | undefined][] {
  const spec = get(o, 'spec')
  switch (kind) {
    case 'Pod':
      return [
        ['Node', str(get(spec, 'nodeName'))],
        ['Pod IP', str(get(o, 'status', 'podIP'))],
        ['QoS class', str(get(o, 'status', 'qosClass'))],
        ['Images', images(spec)],
      ]
    case 'Deployment':
    case 'StatefulSet':
    case 'ReplicaSet':
      return [
        ['Replicas', replicas(o)],
        ['Selector', pairs(get(spec, 'selector', 'matchLabels'))],
        ['Strategy', str(get(spec, 'strategy', 'type')) ?? str(get(spec, 'updateStrategy', 'type'))],
        ['Images', images(get(spec, 'template', 'spec'))],
      ]
    case 'DaemonSet':
      return [
        ['Pods', `${str(get(o, 'status', 'numberReady')) ?? '0'} of ${str(get(o, 'status', 'desiredNumberScheduled')) ?? '0'} ready`],
        ['Selector', pairs(get(spec, 'selector', 'matchLabels'))],
        ['Images', images(get(spec, 'template', 'spec'))],
      ]
    case 'Job':
      return [
        ['Completions', `${str(get(o, 'status', 'succeeded')) ?? '0'} of ${str(get(spec, 'completions')) ?? '1'}`],
        ['Failed pods', str(get(o, 'status', 'failed'))],
        ['Images', images(get(spec, 'template', 'spec'))],
      ]
    case 'CronJob':
      return [
        ['Schedule', str(get(spec, 'schedule'))],
        ['Suspended', str(get(spec, 'suspend'))],
        ['Last scheduled', str(get(o, 'status', 'lastScheduleTime'))],
      ]
    case 'Service':
      return [
        ['Type', str(get(spec, 'type')) ?? 'ClusterIP'],
        ['Cluster IP', str(get(spec, 'clusterIP'))],
        ['Ports', ports(spec)],
        ['Selector', pairs(get(spec, 'selector')) ?? '(none: endpoints are managed by hand)'],
      ]
    case 'Ingress':
      return [
        ['Class', str(get(spec, 'ingressClassName'))],
        [
          'Rules',
          list(get(spec, 'rules'))
            .flatMap((r) =>
              list(get(r, 'http', 'paths')).map(
                (p) => `${str(get(r, 'host')) ?? '*'}${str(get(p, 'path')) ?? '/'} → ${str(get(p, 'backend', 'service', 'name')) ?? '?'}:${str(get(p, 'backend', 'service', 'port', 'number')) ?? str(get(p, 'backend', 'service', 'port', 'name')) ?? '?'}`,
              ),
            )
            .join(', ') || undefined,
        ],
      ]
    case 'ConfigMap':
      return [['Keys', keys(get(o, 'data'), get(o, 'binaryData'))]]
    case 'Secret':
      // Names only: what a key holds is not shown here.
      return [
        ['Type', str(get(o, 'type'))],
        ['Keys', keys(get(o, 'data'), get(o, 'stringData'))],
      ]
    case 'PersistentVolumeClaim':
      return [
        ['Capacity', str(get(o, 'status', 'capacity', 'storage')) ?? str(get(spec, 'resources', 'requests', 'storage'))],
        ['Storage class', str(get(spec, 'storageClassName'))],
        ['Volume', str(get(spec, 'volumeName'))],
        ['Access modes', list(get(spec, 'accessModes')).join(', ') || undefined],
      ]
    case 'PersistentVolume':
      return [
        ['Capacity', str(get(spec, 'capacity', 'storage'))],
        ['Storage class', str(get(spec, 'storageClassName'))],
        ['Claim', get(spec, 'claimRef') ? `${str(get(spec, 'claimRef', 'namespace'))}/${str(get(spec, 'claimRef', 'name'))}` : undefined],
        ['Reclaim policy', str(get(spec, 'persistentVolumeReclaimPolicy'))],
      ]
    case 'Node':
      return [
        ['Kubelet', str(get(o, 'status', 'nodeInfo', 'kubeletVersion'))],
        ['OS', str(get(o, 'status', 'nodeInfo', 'osImage'))],
        ['Internal IP', str(get(list(get(o, 'status', 'addresses')).find((a) => get(a, 'type') === 'InternalIP'), 'address'))],
        ['Capacity', capacity(o)],
        ['Unschedulable', str(get(spec, 'unschedulable'))],
        ['Taints', list(get(spec, 'taints')).map((t) => `${str(get(t, 'key'))}${str(get(t, 'value')) ? `=${str(get(t, 'value'))}` : ''}:${str(get(t, 'effect'))}`).join(', ') || undefined],
      ]
    case 'HorizontalPodAutoscaler':
      return [
        ['Target', `${str(get(spec, 'scaleTargetRef', 'kind'))}/${str(get(spec, 'scaleTargetRef', 'name'))}`],
        ['Replicas', `${str(get(o, 'status', 'currentReplicas')) ?? '?'} (min ${str(get(spec, 'minReplicas')) ?? '1'}, max ${str(get(spec, 'maxReplicas'))})`],
      ]
    default:
      return []
  }
}

/** The facts of `obj` (of `kind`) worth showing, those without a value left out. */
export function factsOf(kind: string, obj: Obj): Fact[] {
  return byKind(kind, obj).filter((f): f is Fact => f[1] !== undefined)
}
