import { SafetyLevelControl } from './SafetyLevelControl'

export default function SafetySettings() {
  return (
    <section className="card" aria-labelledby="safety-title">
      <h3 id="safety-title">Safety policy</h3>
      <SafetyLevelControl />
      <p className="muted">
        Whatever the level, operations your policy forbids (deleting PVCs, Secrets or PersistentVolumes) never run, changes in protected
        namespaces (kube-system, kube-node-lease, kube-public) always wait for approval, and every change is written to the audit log.
      </p>
    </section>
  )
}
