import { useEffect, useRef } from 'react'
import { EditorView, basicSetup } from 'codemirror'
import { EditorState } from '@codemirror/state'
import { yaml } from '@codemirror/lang-yaml'
import { MergeView } from '@codemirror/merge'

/** CodeMirror 6 with YAML; loaded only when a YAML tab opens (it is the heaviest dependency). */
export default function YamlEditor({
  value,
  onChange,
  readOnly,
  original,
  label,
}: {
  value: string
  onChange?: (v: string) => void
  readOnly?: boolean
  /** When set, show a side-by-side diff of `original` (live) against `value`. */
  original?: string
  label: string
}) {
  const host = useRef<HTMLDivElement>(null)
  const onChangeRef = useRef(onChange)
  onChangeRef.current = onChange

  useEffect(() => {
    const el = host.current
    if (!el) return
    const theme = EditorView.theme({ '&': { fontSize: '12.5px' }, '.cm-scroller': { fontFamily: 'ui-monospace, DejaVu Sans Mono, monospace' } })
    const label_ = EditorView.contentAttributes.of({ 'aria-label': label })
    if (original !== undefined) {
      const mv = new MergeView({
        a: { doc: original, extensions: [basicSetup, yaml(), theme, EditorState.readOnly.of(true), EditorView.editable.of(false)] },
        b: {
          doc: value,
          extensions: [basicSetup, yaml(), theme, label_, EditorView.updateListener.of((u) => u.docChanged && onChangeRef.current?.(u.state.doc.toString()))],
        },
        parent: el,
      })
      return () => mv.destroy()
    }
    const view = new EditorView({
      parent: el,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          yaml(),
          theme,
          label_,
          EditorState.readOnly.of(!!readOnly),
          EditorView.editable.of(!readOnly),
          EditorView.updateListener.of((u) => u.docChanged && onChangeRef.current?.(u.state.doc.toString())),
        ],
      }),
    })
    return () => view.destroy()
    // The editor owns its text after creation; recreate only when switching mode or source.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [readOnly, original, label])

  return <div ref={host} className="yaml-editor" data-testid="yaml-editor" />
}
