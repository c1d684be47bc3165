/**
 * A moment the sidecar reported (RFC 3339), in the reader's local time; the exact value stays in
 * the tooltip and the `datetime` attribute. Text that is not a time is shown as it came.
 */
export function Time({ at }: { at: string }) {
  const d = new Date(at)
  return (
    <time dateTime={at} title={at}>
      {Number.isNaN(d.getTime()) ? at : d.toLocaleString()}
    </time>
  )
}
