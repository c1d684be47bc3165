import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { fireEvent, render as renderBare, screen, waitFor } from '@testing-library/react'
import type { ReactElement } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { serveLists } from '../../test/fakeSidecar'
import ChatPanel from './ChatPanel'

afterEach(() => vi.unstubAllGlobals())

const render = (ui: ReactElement) => renderBare(<QueryClientProvider client={new QueryClient()}>{ui}</QueryClientProvider>)

describe('ChatPanel', () => {
  it('takes typing as soon as it opens, answers, and is ready for the next message', async () => {
    serveLists({}, { '/api/v1/ai/chat': { answered_by: 'command', commands: [], context: 'dev', conversation_id: 'c1', reply: 'NAME  READY\nweb-1 1/1' } })
    render(<ChatPanel context="dev" onClose={() => {}} />)
    const box = screen.getByRole('textbox', { name: 'Message' })
    expect(document.activeElement).toBe(box)

    fireEvent.change(box, { target: { value: 'kubectl get pods -n shop' } })
    fireEvent.submit(box.closest('form') as HTMLFormElement)
    await screen.findByText(/web-1 1\/1/)
    await waitFor(() => expect(document.activeElement).toBe(box))
  })

  it('says where to decide on a command that waits for approval', async () => {
    serveLists(
      {},
      {
        '/api/v1/ai/chat': {
          answered_by: 'command',
          commands: [{ command: 'kubectl delete pod web-1 -n shop', requested_by: 'user', status: 'pending_approval', approval_id: 'apr-1' }],
          context: 'dev',
          conversation_id: 'c1',
          reply: 'delete_pod needs approval (ai.safety_policy.require_approval)',
        },
      },
    )
    render(<ChatPanel context="dev" onClose={() => {}} />)
    const box = screen.getByRole('textbox', { name: 'Message' })
    fireEvent.change(box, { target: { value: 'kubectl delete pod web-1 -n shop' } })
    fireEvent.submit(box.closest('form') as HTMLFormElement)
    expect(await screen.findByText(/needs approval[\s\S]*Approve or reject it under Approvals/)).toBeTruthy()
  })

  it('closes with Escape', () => {
    serveLists({})
    const onClose = vi.fn()
    render(<ChatPanel context="dev" onClose={onClose} />)
    fireEvent.keyDown(screen.getByRole('textbox', { name: 'Message' }), { key: 'Escape' })
    expect(onClose).toHaveBeenCalled()
  })
})
