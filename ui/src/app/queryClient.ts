import { QueryClient } from '@tanstack/react-query'
import { ApiError } from '../api/error'

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Live data arrives over the WebSocket; refetching on focus would only add load.
        refetchOnWindowFocus: false,
        staleTime: 30_000,
        retry: (n, e) => !(e instanceof ApiError && e.status >= 400 && e.status < 500) && n < 2,
      },
    },
  })
}
