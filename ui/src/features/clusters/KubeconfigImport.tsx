import { useRef, useState } from 'react'
import { errorMessage } from '../../api/error'
import { errorLine } from './errorLine'
import { useImportKubeconfig } from './useClusters'


/** Paste or pick a kubeconfig; errors name (and highlight) the line. */
export function KubeconfigImport({ onImported }: { onImported?: (contexts: string[]) => void }) {
  const [text, setText] = useState('')
  const [done, setDone] = useState<string | null>(null)
  const imp = useImportKubeconfig()
  const file = useRef<HTMLInputElement>(null)
  const line = imp.error ? errorLine(imp.error) : null

  async function submit(e: React.FormEvent) {
    e.preventDefault()
    setDone(null)
    const r = await imp.mutateAsync({ yaml: text }).catch(() => null)
    if (r) {
      const names = r.contexts ?? []
      setDone(names.length ? `Imported: ${names.join(', ')}` : 'Imported.')
      setText('')
      onImported?.(names)
    }
  }

  return (
    <form onSubmit={submit} className="form">
      <label htmlFor="kubeconfig-text">Kubeconfig YAML</label>
      <div className="editor-with-lines">
        <div className="line-numbers" aria-hidden="true">
          {text.split('\n').map((_, i) => (
            <div key={i} className={line === i + 1 ? 'bad-line' : ''}>
              {i + 1}
            </div>
          ))}
        </div>
        <textarea
          id="kubeconfig-text"
          rows={10}
          spellCheck={false}
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="apiVersion: v1&#10;kind: Config&#10;clusters: …"
          aria-invalid={!!imp.error}
          aria-describedby={imp.error ? 'import-error' : undefined}
        />
      </div>
      <div className="row">
        <label className="file-button">
          Choose file…
          <input
            ref={file}
            type="file"
            className="visually-hidden"
            onChange={async (e) => {
              const f = e.target.files?.[0]
              if (f) setText(await f.text())
            }}
          />
        </label>
        <button type="submit" className="primary" disabled={!text.trim() || imp.isPending}>
          Import
        </button>
      </div>
      {imp.error && (
        <p id="import-error" role="alert" className="error">
          {line ? `Line ${line}: ` : ''}
          {errorMessage(imp.error)}
        </p>
      )}
      {done && <p role="status">{done}</p>}
    </form>
  )
}
