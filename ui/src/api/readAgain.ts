import { hashKey, type QueryClient, type QueryKey } from '@tanstack/react-query'

/** Per query client, the keys with a read already due once the read in flight lands. */
const due = new WeakMap<QueryClient, Set<string>>()

/** A read in flight this long is taken as stuck (a backend that stopped answering) and cancelled. */
export const STUCK_AFTER_MS = 30_000

/**
 * Reads the queries under `queryKey` again, after the change just announced. An invalidation
 * alone restarts a refetch in flight, but joins a first read in flight (one with no data yet),
 * and that read may have been answered before the change: its stale answer would then stand
 * until the next announcement, which may never come (an investigation that has concluded).
 * Cancelling what is in flight instead would starve the list under a steady stream of
 * announcements. So a read in flight is let land (the page shows it), and one more read starts
 * after it, for every announcement made meanwhile.
 */
export async function readAgain(qc: QueryClient, queryKey: QueryKey) {
  if (qc.isFetching({ queryKey }) > 0) {
    const id = hashKey(queryKey)
    let keys = due.get(qc)
    if (!keys) due.set(qc, (keys = new Set()))
    // One read after the one in flight answers every announcement made before it starts.
    if (keys.has(id)) return
    keys.add(id)
    try {
      if (!(await landed(qc, queryKey, STUCK_AFTER_MS))) await qc.cancelQueries({ queryKey })
    } finally {
      keys.delete(id)
    }
  }
  await qc.invalidateQueries({ queryKey })
}

/** True once no query under `queryKey` is being read; false if that takes longer than `ms`. */
function landed(qc: QueryClient, queryKey: QueryKey, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer)
      unsubscribe()
      resolve(ok)
    }
    const timer = setTimeout(() => done(false), ms)
    const unsubscribe = qc.getQueryCache().subscribe(() => {
      if (qc.isFetching({ queryKey }) === 0) done(true)
    })
  })
}
