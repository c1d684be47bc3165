import type { QueryClient, QueryKey } from '@tanstack/react-query'

/**
 * Reads the queries under `queryKey` again, after the change just announced. An invalidation
 * alone restarts a refetch in flight, but joins a first read in flight (one with no data yet),
 * and that read may have been answered before the change: its stale answer would then stand
 * until the next announcement, which may never come (an investigation that has concluded).
 * So what is in flight is cancelled first, and every read starts after the announcement.
 */
export async function readAgain(qc: QueryClient, queryKey: QueryKey) {
  await qc.cancelQueries({ queryKey })
  await qc.invalidateQueries({ queryKey })
}
