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
