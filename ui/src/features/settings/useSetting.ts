import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { ApiError } from '../../api/error'
import { api, unwrap } from '../../api/transport'

/** Keys this UI stores through /api/v1/settings. */
export const SETTING = {
  theme: 'ui.theme',
  wizard: 'ui.wizard',
  lastContext: 'ui.last_context',
} as const

/** One user setting; `undefined` while unset. */
export function useSetting<T>(key: string) {
  return useQuery({
    queryKey: ['setting', key],
    queryFn: async (): Promise<T | null> => {
      const r = await api.GET('/api/v1/settings/{key}', { params: { path: { key } } })
      if (r.response.status === 404) return null
      return unwrap(r).value as T
    },
    staleTime: Infinity,
  })
}

export function usePutSetting<T>(key: string) {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: async (value: T) =>
      unwrap(
        await api.PUT('/api/v1/settings/{key}', {
          params: { path: { key } },
          // The schema says "object"; the sidecar stores any JSON value.
          body: { value: value as unknown as Record<string, never> },
        }),
      ),
    onMutate: (value) => {
      const before = qc.getQueryData(['setting', key])
      qc.setQueryData(['setting', key], value)
      return { before }
    },
    onError: (_e: ApiError | Error, _v, ctx) => qc.setQueryData(['setting', key], ctx?.before),
  })
}
