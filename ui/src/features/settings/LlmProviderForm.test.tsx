import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { LlmProviderForm } from './AiSettings'

/** How the UI is connected (browser unless a test says desktop), and the shell's commands. */
const shell = vi.hoisted(() => ({ mode: 'browser', invoked: [] as [string, unknown][] }))
vi.mock('../../api/transport', async (original) => ({
  ...(await original<typeof import('../../api/transport')>()),
  connectionMode: async () => shell.mode,
}))
vi.mock('@tauri-apps/api/core', () => ({
  invoke: async (command: string, args?: unknown) => {
    shell.invoked.push([command, args])
  },
}))

afterEach(() => {
  vi.unstubAllGlobals()
  shell.mode = 'browser'
  shell.invoked = []
})

/** A sidecar that keeps every PUT of a setting in `puts`. */
function serveSettings(puts: [string, unknown][]) {
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
}

function renderForm() {
  render(
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      <LlmProviderForm />
    </QueryClientProvider>,
  )
}

describe('LlmProviderForm', () => {
  it("stores an OpenAI-compatible server under the configuration's own keys and names", async () => {
    const puts: [string, unknown][] = []
    serveSettings(puts)
    renderForm()
    fireEvent.change(await screen.findByLabelText('Provider'), { target: { value: 'openai_compatible' } })
    fireEvent.change(screen.getByLabelText('Base URL'), { target: { value: 'http://localhost:11434/v1' } })
    fireEvent.change(screen.getByLabelText('Model'), { target: { value: 'llama3' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save' }))
    expect(await screen.findByText('Saved. Restart the backend (kubilitics serve) to use it.')).toBeTruthy()
    expect(puts).toEqual([
      ['ai.llm.provider', 'openai_compatible'],
      ['ai.llm.model', 'llama3'],
      ['ai.llm.endpoint', 'http://localhost:11434/v1'],
    ])
  })

  it('in the desktop app restarts the backend so a new model is used, and stores a key in the keyring', async () => {
    shell.mode = 'desktop'
    const puts: [string, unknown][] = []
    serveSettings(puts)
    renderForm()
    fireEvent.change(await screen.findByLabelText('Provider'), { target: { value: 'openai' } })
    fireEvent.change(screen.getByLabelText('Model'), { target: { value: 'gpt-4o-mini' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save' }))
    expect(await screen.findByText('Saved. The backend restarted to use it.')).toBeTruthy()
    expect(shell.invoked).toEqual([['restart_sidecar', undefined]])

    // Saved again unchanged: nothing to restart for.
    fireEvent.click(screen.getByRole('button', { name: 'Save' }))
    expect(await screen.findByText('Saved.')).toBeTruthy()
    expect(shell.invoked).toHaveLength(1)

    fireEvent.change(screen.getByLabelText(/API key/), { target: { value: 'sk-test' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save' }))
    await waitFor(() => expect(shell.invoked).toHaveLength(2))
    expect(shell.invoked[1]).toEqual(['store_llm_api_key', { provider: 'openai', key: 'sk-test' }])
  })
})
