import { describe, expect, it } from 'vitest'
import { describeFix, planFix } from './fix'

const deploy = { kind: 'Deployment', namespace: 'shop', name: 'cart' }
const live = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'cart', namespace: 'shop', managedFields: [{}] },
  spec: { template: { spec: { containers: [{ name: 'app', image: 'cart:bad' }, { name: 'side', image: 'x' }] } } },
}

describe('planFix', () => {
  it('maps a restart onto a rollout restart of the same object', async () => {
    expect(await planFix({ type: 'restart_workload', target: deploy }, () => Promise.reject(new Error('no fetch')))).toEqual({
      target: deploy,
      action: { type: 'rollout_restart' },
    })
  })

  it('sets an image by editing the live object, touching only that container', async () => {
    const plan = await planFix({ type: 'set_image', target: deploy, container: 'app', image: 'cart:1.2' }, async () => live)
    if (typeof plan === 'string') throw new Error(plan)
    expect(plan.action.type).toBe('edit')
    const obj = (plan.action as unknown as { object: typeof live }).object
    expect(obj.spec.template.spec.containers.map((c) => c.image)).toEqual(['cart:1.2', 'x'])
    expect(obj.metadata.managedFields).toBeUndefined()
    expect(live.spec.template.spec.containers[0]?.image).toBe('cart:bad')
  })

  it('gives manual advice back as the reason it cannot run', async () => {
    expect(await planFix({ type: 'manual', description: 'Create the ConfigMap shop/cart-config' }, async () => ({}))).toBe(
      'Create the ConfigMap shop/cart-config',
    )
  })

  it('describes a fix in one line', () => {
    expect(describeFix({ type: 'scale_workload', target: deploy, replicas: 3 })).toBe('Scale Deployment shop/cart to 3')
  })
})
