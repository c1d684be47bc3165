import { describe, expect, it } from 'vitest'
import { pluralKind, withDiscovered, type ApiKind } from './kinds'

// Part of what a kube-apiserver's discovery lists, with two CRDs: one in a group of its own and
// Gateway API's, whose group ends in k8s.io but is not Kubernetes' own.
const discovered: ApiKind[] = [
  { name: 'pods', kind: 'Pod', group: '' },
  { name: 'serviceaccounts', kind: 'ServiceAccount', group: '' },
  { name: 'resourcequotas', kind: 'ResourceQuota', group: '' },
  { name: 'controllerrevisions', kind: 'ControllerRevision', group: 'apps' },
  { name: 'roles', kind: 'Role', group: 'rbac.authorization.k8s.io' },
  { name: 'clusterroles', kind: 'ClusterRole', group: 'rbac.authorization.k8s.io', namespaced: false },
  { name: 'leases', kind: 'Lease', group: 'coordination.k8s.io' },
  { name: 'ingressclasses', kind: 'IngressClass', group: 'networking.k8s.io', namespaced: false },
  { name: 'certificates', kind: 'Certificate', group: 'cert-manager.io' },
  { name: 'gateways', kind: 'Gateway', group: 'gateway.networking.k8s.io' },
]

describe('withDiscovered', () => {
  const kinds = withDiscovered(discovered)
  const of = (name: string) => kinds.find((k) => k.name === name)

  it("files Kubernetes' own kinds with their kind, and only CRDs under Custom resources", () => {
    expect(of('serviceaccounts')?.category).toBe('Access control')
    expect(of('clusterroles')?.category).toBe('Access control')
    expect(of('resourcequotas')?.category).toBe('Config')
    expect(of('controllerrevisions')?.category).toBe('Workloads')
    expect(of('ingressclasses')?.category).toBe('Network')
    expect(of('leases')?.category).toBe('Cluster')
    expect(kinds.filter((k) => k.crd).map((k) => [k.kind, k.category])).toEqual([
      ['Certificate', 'Custom resources'],
      ['Gateway', 'Custom resources'],
    ])
  })

  it('keeps the sidebar order: built-in kinds first in each category, categories in a fixed order', () => {
    const categories = [...new Set(kinds.map((k) => k.category))]
    expect(categories).toEqual(['Workloads', 'Network', 'Config', 'Storage', 'Access control', 'Cluster', 'Custom resources'])
    const workloads = kinds.filter((k) => k.category === 'Workloads').map((k) => k.kind)
    expect(workloads[0]).toBe('Pod')
    expect(workloads.at(-1)).toBe('ControllerRevision')
    expect(kinds.filter((k) => k.name === 'pods')).toHaveLength(1)
    expect(of('clusterroles')?.namespaced).toBe(false)
  })
})

describe('pluralKind', () => {
  it('names a list of objects as people write it', () => {
    expect(['Pod', 'Ingress', 'NetworkPolicy', 'StorageClass', 'Gateway', 'Endpoints', 'Lease'].map(pluralKind)).toEqual([
      'Pods',
      'Ingresses',
      'NetworkPolicies',
      'StorageClasses',
      'Gateways',
      'Endpoints',
      'Leases',
    ])
  })
})
