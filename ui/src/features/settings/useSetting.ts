import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { ApiError } from '../../api/error'
import { api, unwrap } from '../../api/transport'

/** Keys this UI stores through /api/v1/settings. */
export const SETTING = {
  theme: 'ui.theme',
  wizard: 'ui.wizard',
  lastContext: 'ui.last_context',
} as const

type Stored = Record<string, unknown>
const ALL = ['settings'] as const

/**
 * Every stored setting in one request. The first screen reads about eight keys, most of them
 * unset on a first launch: one list answer instead of eight requests (and eight 404s in the
 * browser's console).
 */
async function fetchAll(): Promise<Stored> {
  const { items } = unwrap(await api.GET('/api/v1/settings'))
  return Object.fromEntries(items.map((s) => [s.key, s.value]))
}

/** One user setting; `null` while unset, `undefined` until the settings have loaded. */
export function useSetting<T>(key: string) {
  return useQuery({
    queryKey: ALL,
    queryFn: fetchAll,
    select: (all: Stored) => (key in all ? (all[key] as T) : null),
    staleTime: Infinity,
  })
}

export function usePutSetting<T>(key: string) {
  const qc = useQueryClient()
  const store = (value: unknown) =>
    // Only a loaded list is patched: seeding a partial one would hide the other keys' values.
    qc.setQueryData<Stored>(ALL, (all) => (all ? { ...all, [key]: value } : all))
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
      const before = qc.getQueryData<Stored>(ALL)
      store(value)
      return { before }
    },
    onSuccess: (saved) => {
      store(saved.value)
      // A list still loading may have been read before this write.
      if (!qc.getQueryData(ALL)) void qc.invalidateQueries({ queryKey: ALL })
    },
    onError: (_e: ApiError | Error, _v, ctx) => qc.setQueryData(ALL, ctx?.before),
  })
}
