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

interface ApiKind {
  name: string
  kind: string
  group?: string
  version?: string
  namespaced?: boolean
  cached?: boolean
}

/** Built-in kinds plus what the cluster's discovery adds (CRDs), when the sidecar lists them. */
export function useKinds(context: string | undefined) {
  return useQuery({
    queryKey: ['kinds', context],
    enabled: !!context,
    staleTime: 5 * 60_000,
    retry: false,
    queryFn: () => request<{ items: ApiKind[] }>('GET', `/api/v1/clusters/${encodeURIComponent(context ?? '')}/kinds`),
    select: (d): KindDef[] => {
      const items = d.items
      const known = new Set(BUILTIN_KINDS.map((k) => k.name))
      const extra = items
        .filter((k) => !known.has(k.name))
        .map((k) => ({ name: k.name, kind: k.kind, group: k.group ?? '', namespaced: k.namespaced ?? true, category: 'Custom resources', crd: true }))
      return [...BUILTIN_KINDS, ...extra]
    },
    placeholderData: undefined,
  })
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
