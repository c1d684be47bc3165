import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { render } from '@testing-library/react'
import type { ReactElement } from 'react'
import { MemoryRouter, Route, Routes } from 'react-router'
import { vi } from 'vitest'
import type { KindStatus } from '../api/types'

/** One kind's list as the sidecar answers it: rows and, for cached kinds, the cache's state. */
export type KindList = { items: Record<string, unknown>[]; sync?: KindStatus }

/**
 * Stubs `fetch` as a sidecar that answers `/resources/{kind}` with `lists[kind]`, any URL
 * containing a key of `answers` with that JSON, and everything else with 404.
 */
export function serveLists(lists: Record<string, KindList>, answers: Record<string, unknown> = {}) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      const kind = /\/resources\/([a-z]+)/.exec(url)?.[1]
      const list = kind ? lists[kind] : undefined
      if (list) return Response.json({ items: list.items, total: list.items.length, sync: list.sync })
      const answer = Object.entries(answers).find(([part]) => url.includes(part))
      if (answer) return Response.json(answer[1])
      return new Response('{}', { status: 404 })
    }),
  )
}

/** Renders `element` as the page of route `route`, opened at `path`, with a fresh query cache. */
export function renderAt(path: string, route: string, element: ReactElement) {
  return render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path={route} element={element} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  )
}

/**
 * Stubs `fetch` as a sidecar's settings API with nothing stored: every PUT of a setting is kept
 * in the returned list as [key, value] and answered by `onPut` (the stored value echoed when it
 * returns nothing); a URL ending in a key of `answers` gets that JSON (a function's result, read
 * at each request); anything else 404.
 */
export function serveSettings(opts: { answers?: Record<string, unknown>; onPut?: (key: string, value: unknown) => Response | undefined } = {}) {
  const puts: [string, unknown][] = []
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      if (url.endsWith('/api/v1/settings')) return Response.json({ items: [] })
      const key = /\/api\/v1\/settings\/(.+)$/.exec(url)?.[1]
      if (key && init?.method === 'PUT') {
        const { value } = JSON.parse(String(init.body)) as { value: unknown }
        puts.push([key, value])
        return opts.onPut?.(key, value) ?? Response.json({ key, value, updated_at: '' })
      }
      const answer = Object.entries(opts.answers ?? {}).find(([end]) => url.endsWith(end))
      if (!answer) return new Response('{}', { status: 404 })
      return Response.json(typeof answer[1] === 'function' ? (answer[1] as () => unknown)() : answer[1])
    }),
  )
  return puts
}

/** Renders `element` with a fresh query cache (for components that are not a routed page). */
export function renderWithQueries(element: ReactElement) {
  return render(<QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>{element}</QueryClientProvider>)
}
