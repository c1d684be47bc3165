import type { ClusterAction, ObjectRef, ProposedFix } from '../../api/types'

/** The workbench action (and its target) that carries out an AI-proposed fix. */
export interface Plan {
  target: ObjectRef
  action: ClusterAction
}

type Obj = Record<string, unknown> & { spec?: Record<string, unknown> }

/** The containers of a workload's pod template (or a pod's own). */
function containersOf(obj: Obj): Record<string, unknown>[] {
  const spec = obj.spec as { template?: { spec?: { containers?: Record<string, unknown>[] } }; containers?: Record<string, unknown>[] } | undefined
  return spec?.template?.spec?.containers ?? spec?.containers ?? []
}

function edited(obj: Obj, change: (o: Obj) => void): ClusterAction {
  const copy = structuredClone(obj)
  const meta = copy.metadata as Record<string, unknown> | undefined
  if (meta) delete meta.managedFields
  change(copy)
  // The schema types `object` as an opaque JSON object (Record<string, never>).
  return { type: 'edit', object: copy as Record<string, never> }
}

/**
 * Maps a proposed fix onto the workbench's actions. Fixes that change a field (image, memory
 * limit, a CronJob's suspend, an HPA's maximum) become an edit of the live object, which `get`
 * fetches; the edit conflicts if the object changed meanwhile. Returns a reason string when the
 * fix cannot be carried out from here (manual advice, deleting arbitrary objects).
 */
export async function planFix(fix: ProposedFix, get: (t: ObjectRef) => Promise<Obj>): Promise<Plan | string> {
  switch (fix.type) {
    case 'restart_workload':
      return { target: fix.target, action: { type: 'rollout_restart' } }
    case 'scale_workload':
      return { target: fix.target, action: { type: 'scale', replicas: fix.replicas } }
    case 'rollback_deployment':
      return { target: fix.target, action: { type: 'rollback' } }
    case 'delete_pod':
      return { target: fix.target, action: { type: 'delete_pod' } }
    case 'uncordon_node':
      return { target: fix.target, action: { type: 'uncordon' } }
    case 'set_image': {
      const obj = await get(fix.target)
      return {
        target: fix.target,
        action: edited(obj, (o) => {
          for (const c of containersOf(o)) if (c.name === fix.container) c.image = fix.image
        }),
      }
    }
    case 'set_memory_limit': {
      const obj = await get(fix.target)
      return {
        target: fix.target,
        action: edited(obj, (o) => {
          for (const c of containersOf(o)) {
            if (c.name !== fix.container) continue
            const res = (c.resources ??= {}) as { limits?: Record<string, string>; requests?: Record<string, string> }
            res.limits = { ...res.limits, memory: fix.memory }
          }
        }),
      }
    }
    case 'resume_cron_job': {
      const obj = await get(fix.target)
      return { target: fix.target, action: edited(obj, (o) => void ((o.spec ??= {}).suspend = false)) }
    }
    case 'set_hpa_max_replicas': {
      const obj = await get(fix.target)
      return { target: fix.target, action: edited(obj, (o) => void ((o.spec ??= {}).maxReplicas = fix.max_replicas)) }
    }
    case 'delete_object':
      return `Deleting ${fix.target.kind} ${fix.target.name} is not offered here; delete it from its own page, where the safety policy decides.`
    case 'manual':
      return fix.description
  }
}

/** One line saying what a fix does. */
export function describeFix(fix: ProposedFix): string {
  const t = 'target' in fix ? `${fix.target.kind} ${fix.target.namespace ? `${fix.target.namespace}/` : ''}${fix.target.name}` : ''
  switch (fix.type) {
    case 'restart_workload':
      return `Restart ${t}`
    case 'scale_workload':
      return `Scale ${t} to ${fix.replicas}`
    case 'rollback_deployment':
      return `Roll back ${t} to its previous revision`
    case 'set_image':
      return `Set the image of ${fix.container} in ${t} to ${fix.image}`
    case 'set_memory_limit':
      return `Set the memory limit of ${fix.container} in ${t} to ${fix.memory}`
    case 'delete_pod':
      return `Delete ${t} (its controller recreates it)`
    case 'delete_object':
      return `Delete ${t}`
    case 'resume_cron_job':
      return `Resume ${t}`
    case 'set_hpa_max_replicas':
      return `Raise the maximum replicas of ${t} to ${fix.max_replicas}`
    case 'uncordon_node':
      return `Uncordon ${t}`
    case 'manual':
      return fix.description
  }
}
