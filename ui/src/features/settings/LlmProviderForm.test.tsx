import { fireEvent, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { renderWithQueries, serveSettings } from '../../test/fakeSidecar'
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

const renderForm = () => renderWithQueries(<LlmProviderForm />)

describe('LlmProviderForm', () => {
  it("stores an OpenAI-compatible server under the configuration's own keys and names", async () => {
    const puts = serveSettings({ answers: { '/api/v1/session': { csrf: 't' } } })
    renderForm()
    fireEvent.change(await screen.findByLabelText('Provider'), { target: { value: 'openai_compatible' } })
    fireEvent.change(screen.getByLabelText('Base URL'), { target: { value: 'http://localhost:11434/v1' } })
    fireEvent.change(screen.getByLabelText('Model'), { target: { value: 'llama3' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save' }))
    expect(await screen.findByText('Saved. In use from the next investigation and chat answer.')).toBeTruthy()
    // The provider last: the backend rebuilds it as each is saved, and builds it once complete.
    expect(puts).toEqual([
      ['ai.llm.model', 'llama3'],
      ['ai.llm.endpoint', 'http://localhost:11434/v1'],
      ['ai.llm.provider', 'openai_compatible'],
    ])
    expect(shell.invoked).toEqual([])
  })

  it("says why a provider saved is not in use, in the backend's words", async () => {
    serveSettings({
      answers: {
        '/api/v1/session': { csrf: 't' },
        '/api/v1/ai/status': { status: 'degraded', llm_provider: { name: 'openai_compatible', connectivity: 'not_configured', last_error: 'an OpenAI-compatible provider needs its base URL: set ai.llm.endpoint' } },
      },
    })
    renderForm()
    fireEvent.change(await screen.findByLabelText('Provider'), { target: { value: 'openai_compatible' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save' }))
    expect(await screen.findByText('Saved, but not in use: an OpenAI-compatible provider needs its base URL: set ai.llm.endpoint')).toBeTruthy()
  })

  it('in the desktop app uses a new model, and a key stored in the keyring, without a restart', async () => {
    shell.mode = 'desktop'
    serveSettings({ answers: { '/api/v1/session': { csrf: 't' } } })
    renderForm()
    fireEvent.change(await screen.findByLabelText('Provider'), { target: { value: 'openai' } })
    fireEvent.change(screen.getByLabelText('Model'), { target: { value: 'gpt-4o-mini' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save' }))
    expect(await screen.findByText('Saved. In use from the next investigation and chat answer.')).toBeTruthy()
    expect(shell.invoked).toEqual([])

    // Saved again unchanged.
    fireEvent.click(screen.getByRole('button', { name: 'Save' }))
    expect(await screen.findByText('Saved.')).toBeTruthy()

    fireEvent.change(screen.getByLabelText(/API key/), { target: { value: 'sk-test' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save' }))
    await waitFor(() => expect(shell.invoked).toHaveLength(1))
    expect(shell.invoked[0]).toEqual(['store_llm_api_key', { provider: 'openai', key: 'sk-test' }])
    expect(await screen.findByText('Saved. In use from the next investigation and chat answer.')).toBeTruthy()
    expect((screen.getByLabelText(/API key/) as HTMLInputElement).value).toBe('')

    fireEvent.click(screen.getByRole('button', { name: 'Remove the saved key' }))
    expect(await screen.findByText('Key removed from the keyring; no longer used.')).toBeTruthy()
    expect(shell.invoked[1]).toEqual(['delete_llm_api_key', { provider: 'openai' }])
  })

  it('in browser mode offers no key field and no removal: the key is the backend\'s to configure', async () => {
    serveSettings({ answers: { '/api/v1/session': { csrf: 't' } } })
    renderForm()
    fireEvent.change(await screen.findByLabelText('Provider'), { target: { value: 'openai' } })
    expect(await screen.findByText(/In browser mode the API key is not entered here/)).toBeTruthy()
    expect(screen.queryByLabelText(/API key/)).toBeNull()
    expect(screen.queryByRole('button', { name: 'Remove the saved key' })).toBeNull()
  })
})
