import { describe, expect, it } from 'vitest'
import { factsOf } from './facts'

describe("an object's key facts", () => {
  it("shows a Service's type, address, ports and the selector that decides its endpoints", () => {
    const svc = {
      kind: 'Service',
      spec: { type: 'ClusterIP', clusterIP: '10.96.118.24', selector: { app: 'redis' }, ports: [{ name: 'redis', port: 6379, targetPort: 6379, protocol: 'TCP' }, { port: 80, targetPort: 'http' }] },
    }
    expect(factsOf('Service', svc)).toEqual([
      ['Type', 'ClusterIP'],
      ['Cluster IP', '10.96.118.24'],
      ['Ports', 'redis 6379/TCP, 80/TCP → http'],
      ['Selector', 'app=redis'],
    ])
  })

  it("shows a Secret's key names and never what they hold", () => {
    const facts = factsOf('Secret', { kind: 'Secret', type: 'Opaque', data: { password: 'aHVudGVyMg==', user: 'YWRtaW4=' } })
    expect(facts).toEqual([
      ['Type', 'Opaque'],
      ['Keys', 'password, user'],
    ])
    expect(JSON.stringify(facts)).not.toContain('aHVudGVyMg==')
  })

  it("shows a workload's readiness, selector, strategy and images", () => {
    const deploy = {
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'checkout' } },
        strategy: { type: 'RollingUpdate' },
        template: { spec: { initContainers: [{ image: 'busybox:1.36' }], containers: [{ image: 'shop/checkout:1.4' }, { image: 'shop/checkout:1.4' }] } },
      },
      status: { readyReplicas: 1 },
    }
    expect(factsOf('Deployment', deploy)).toEqual([
      ['Replicas', '1 of 2 ready'],
      ['Selector', 'app=checkout'],
      ['Strategy', 'RollingUpdate'],
      ['Images', 'busybox:1.36, shop/checkout:1.4'],
    ])
  })

  it("leaves out what the object does not say, and knows nothing of kinds it has no facts for", () => {
    const node = { status: { nodeInfo: { kubeletVersion: 'v1.36.3' }, capacity: { cpu: '4', memory: '16Gi' }, addresses: [{ type: 'InternalIP', address: '10.0.0.5' }] }, spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } }
    expect(factsOf('Node', node)).toEqual([
      ['Kubelet', 'v1.36.3'],
      ['Internal IP', '10.0.0.5'],
      ['Capacity', 'cpu 4, memory 16Gi'],
      ['Taints', 'dedicated=db:NoSchedule'],
    ])
    expect(factsOf('Widget', { spec: { size: 3 } })).toEqual([])
  })
})
