import { useQuery } from '@tanstack/react-query'
import { request } from '../../api/transport'

export interface KindDef {
  /** URL name, lowercase plural. */
  name: string
  kind: string
  group: string
  namespaced: boolean
  category: string
  crd?: boolean
}

/** The kinds every cluster has, in sidebar order; CRDs are added from discovery. */
export const BUILTIN_KINDS: KindDef[] = [
  ['Workloads', 'pods', 'Pod', '', true],
  ['Workloads', 'deployments', 'Deployment', 'apps', true],
  ['Workloads', 'replicasets', 'ReplicaSet', 'apps', true],
  ['Workloads', 'statefulsets', 'StatefulSet', 'apps', true],
  ['Workloads', 'daemonsets', 'DaemonSet', 'apps', true],
  ['Workloads', 'jobs', 'Job', 'batch', true],
  ['Workloads', 'cronjobs', 'CronJob', 'batch', true],
  ['Workloads', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', 'autoscaling', true],
  ['Workloads', 'poddisruptionbudgets', 'PodDisruptionBudget', 'policy', true],
  ['Network', 'services', 'Service', '', true],
  ['Network', 'endpointslices', 'EndpointSlice', 'discovery.k8s.io', true],
  ['Network', 'ingresses', 'Ingress', 'networking.k8s.io', true],
  ['Network', 'networkpolicies', 'NetworkPolicy', 'networking.k8s.io', true],
  ['Config', 'configmaps', 'ConfigMap', '', true],
  ['Config', 'secrets', 'Secret', '', true],
  ['Storage', 'persistentvolumeclaims', 'PersistentVolumeClaim', '', true],
  ['Storage', 'persistentvolumes', 'PersistentVolume', '', false],
  ['Storage', 'storageclasses', 'StorageClass', 'storage.k8s.io', false],
  ['Cluster', 'nodes', 'Node', '', false],
  ['Cluster', 'namespaces', 'Namespace', '', false],
  ['Cluster', 'events', 'Event', '', true],
].map(([category, name, kind, group, namespaced]) => ({
  category: category as string,
  name: name as string,
  kind: kind as string,
  group: group as string,
  namespaced: namespaced as boolean,
}))

export interface ApiKind {
  name: string
  kind: string
  group?: string
  version?: string
  namespaced?: boolean
  cached?: boolean
}

/** Sidebar order of the categories; a category not listed goes last. */
const CATEGORY_ORDER = ['Workloads', 'Network', 'Config', 'Storage', 'Access control', 'Cluster', 'Custom resources']

/**
 * Kubernetes' own API groups, with the category their kinds not in `BUILTIN_KINDS` go to.
 * Matched exactly: a CRD may use a `*.k8s.io` group (Gateway API's `gateway.networking.k8s.io`),
 * but not one of these.
 */
const KUBERNETES_GROUPS: Record<string, string> = {
  apps: 'Workloads',
  batch: 'Workloads',
  autoscaling: 'Workloads',
  policy: 'Workloads',
  'networking.k8s.io': 'Network',
  'discovery.k8s.io': 'Network',
  'storage.k8s.io': 'Storage',
  'rbac.authorization.k8s.io': 'Access control',
  'events.k8s.io': 'Cluster',
  'coordination.k8s.io': 'Cluster',
  'scheduling.k8s.io': 'Cluster',
  'node.k8s.io': 'Cluster',
  'admissionregistration.k8s.io': 'Cluster',
  'apiregistration.k8s.io': 'Cluster',
  'apiextensions.k8s.io': 'Cluster',
  'certificates.k8s.io': 'Cluster',
  'flowcontrol.apiserver.k8s.io': 'Cluster',
  'internal.apiserver.k8s.io': 'Cluster',
  'resource.k8s.io': 'Cluster',
  'storagemigration.k8s.io': 'Cluster',
}

/** The core group's kinds not in `BUILTIN_KINDS` that belong with others (the rest: Cluster). */
const CORE_CATEGORY: Record<string, string> = {
  serviceaccounts: 'Access control',
  endpoints: 'Network',
  limitranges: 'Config',
  resourcequotas: 'Config',
  replicationcontrollers: 'Workloads',
  podtemplates: 'Workloads',
}

/** Where a served kind goes: with the built-in kinds when Kubernetes serves it, else a CRD's. */
function kindFromDiscovery(k: ApiKind): KindDef {
  const group = k.group ?? ''
  const category = group === '' ? (CORE_CATEGORY[k.name] ?? 'Cluster') : KUBERNETES_GROUPS[group]
  return {
    name: k.name,
    kind: k.kind,
    group,
    namespaced: k.namespaced ?? true,
    category: category ?? 'Custom resources',
    ...(category ? {} : { crd: true }),
  }
}

/** `BUILTIN_KINDS` and what discovery adds, grouped by category in sidebar order. */
export function withDiscovered(items: ApiKind[]): KindDef[] {
  const known = new Set(BUILTIN_KINDS.map((k) => k.name))
  const extra = items
    .filter((k) => !known.has(k.name))
    .map(kindFromDiscovery)
    .sort((a, b) => a.kind.localeCompare(b.kind))
  const rank = (c: string) => {
    const i = CATEGORY_ORDER.indexOf(c)
    return i < 0 ? CATEGORY_ORDER.length : i
  }
  // Array.prototype.sort is stable: built-ins keep their order, then the discovered, by kind.
  return [...BUILTIN_KINDS, ...extra].sort((a, b) => rank(a.category) - rank(b.category))
}

/** Built-in kinds plus what the cluster's discovery adds, when the sidecar lists them. */
export function useKinds(context: string | undefined) {
  return useQuery({
    queryKey: ['kinds', context],
    enabled: !!context,
    staleTime: 5 * 60_000,
    retry: false,
    queryFn: () => request<{ items: ApiKind[] }>('GET', `/api/v1/clusters/${encodeURIComponent(context ?? '')}/kinds`),
    select: (d): KindDef[] => withDiscovered(d.items),
    placeholderData: undefined,
  })
}

/**
 * The kind `name` names (URL name or Kind, any case) among the built-in kinds and what
 * `context`'s discovery lists (CRDs, RBAC, ...): whether it is namespaced, its Kind.
 */
export function useKindDef(context: string | undefined, name: string): KindDef | undefined {
  const kinds = useKinds(context)
  return kindByName(name, kinds.data ?? BUILTIN_KINDS)
}

/** A Kind's plural for headings and links: `Ingress` → `Ingresses`, `NetworkPolicy` → `NetworkPolicies`. */
export function pluralKind(kind: string): string {
  if (kind === 'Endpoints') return kind
  if (/(s|x|z|ch|sh)$/.test(kind)) return `${kind}es`
  if (/[^aeiou]y$/.test(kind)) return `${kind.slice(0, -1)}ies`
  return `${kind}s`
}

export function kindByName(name: string, all: KindDef[] = BUILTIN_KINDS): KindDef | undefined {
  const n = name.toLowerCase()
  return all.find((k) => k.name === n || k.kind.toLowerCase() === n)
}

/** The URL name for a Kind (`Pod` → `pods`). */
export function kindPath(kind: string): string {
  return kindByName(kind)?.name ?? kind.toLowerCase() + 's'
}

/** The UI's page of one object (`_` stands for the namespace of a cluster-scoped one). */
export function objectRoute(context: string, kind: string, namespace: string | null | undefined, name: string): string {
  return `/c/${encodeURIComponent(context)}/resources/${kindPath(kind)}/${encodeURIComponent(namespace || '_')}/${encodeURIComponent(name)}`
}
