
/** Case-insensitive subsequence match, best (shortest span, earliest start) first. */
export function rank<T extends { label: string }>(items: T[], query: string): T[] {
  const q = query.trim().toLowerCase()
  if (!q) return items
  const scored: [T, number][] = []
  for (const it of items) {
    const l = it.label.toLowerCase()
    const direct = l.indexOf(q)
    if (direct >= 0) {
      scored.push([it, direct])
      continue
    }
    let pos = -1
    let start = -1
    let ok = true
    for (const ch of q) {
      pos = l.indexOf(ch, pos + 1)
      if (pos < 0) {
        ok = false
        break
      }
      if (start < 0) start = pos
    }
    if (ok) scored.push([it, 100 + (pos - start)])
  }
  return scored.sort((a, b) => a[1] - b[1]).map(([it]) => it)
}

