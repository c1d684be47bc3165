import { errorMessage } from '../../api/error'
import { ContextPicker } from './ContextPicker'
import { KubeconfigImport } from './KubeconfigImport'
import { useClusters, useRemoveContext } from './useClusters'

export default function ContextsSettings() {
  const clusters = useClusters()
  const remove = useRemoveContext()
  return (
    <div className="stack">
      <section className="card" aria-labelledby="ctx-title">
        <h3 id="ctx-title">Contexts</h3>
        {clusters.error ? (
          <p className="error">{errorMessage(clusters.error)}</p>
        ) : (
          <ContextPicker onRemove={(c) => remove.mutate(c)} />
        )}
      </section>
      <section className="card" aria-labelledby="import-title">
        <h3 id="import-title">Import a kubeconfig</h3>
        <KubeconfigImport />
      </section>
    </div>
  )
}
