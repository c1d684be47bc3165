import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { fireEvent, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { LlmProviderForm } from './AiSettings'

afterEach(() => vi.unstubAllGlobals())

describe('LlmProviderForm', () => {
  it("stores an OpenAI-compatible server under the configuration's own keys and names", async () => {
    const puts: [string, unknown][] = []
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        if (url.endsWith('/api/v1/session')) return Response.json({ csrf: 't' })
        if (url.endsWith('/api/v1/settings')) return Response.json({ items: [] })
        const key = /\/api\/v1\/settings\/(.+)$/.exec(url)?.[1]
        if (key && init?.method === 'PUT') {
          const { value } = JSON.parse(String(init.body)) as { value: unknown }
          puts.push([key, value])
          return Response.json({ key, value, updated_at: '' })
        }
        return new Response('{}', { status: 404 })
      }),
    )
    render(
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <LlmProviderForm />
      </QueryClientProvider>,
    )
    fireEvent.change(await screen.findByLabelText('Provider'), { target: { value: 'openai_compatible' } })
    fireEvent.change(screen.getByLabelText('Base URL'), { target: { value: 'http://localhost:11434/v1' } })
    fireEvent.change(screen.getByLabelText('Model'), { target: { value: 'llama3' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save' }))
    expect(await screen.findByText('Saved. The backend uses it from its next start.')).toBeTruthy()
    expect(puts).toEqual([
      ['ai.llm.provider', 'openai_compatible'],
      ['ai.llm.model', 'llama3'],
      ['ai.llm.endpoint', 'http://localhost:11434/v1'],
    ])
  })
})
