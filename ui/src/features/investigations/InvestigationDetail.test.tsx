import { screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { renderAt, serveLists } from '../../test/fakeSidecar'
import InvestigationDetail from './InvestigationDetail'

vi.mock('../../api/live', () => ({ followTopic: () => () => {} }))

afterEach(() => vi.unstubAllGlobals())

const step = (state: string, detail: string) => ({ state, detail, at: '2026-11-27T08:00:00Z' })

describe('InvestigationDetail', () => {
  it('shows the stages the investigation went through, and the one it skipped without an LLM as skipped', async () => {
    serveLists(
      {},
      {
        '/api/v1/ai/investigations/inv-1': {
          investigation_id: 'inv-1',
          context: 'dev',
          state: 'concluded',
          target: { kind: 'Deployment', namespace: 'shop', name: 'checkout' },
          created_at: '2026-11-27T08:00:00Z',
          steps: [step('queued', ''), step('gathering', ''), step('analyzing', ''), step('concluded', 'CRASHLOOP_DEPENDENCY: redis is down')],
          root_cause: { code: 'CRASHLOOP_DEPENDENCY', summary: 'redis is down', confidence: 0.9 },
          conclusion_source: 'analyzers',
          evidence: [],
          proposed_actions: [],
        },
      },
    )
    renderAt('/investigations/inv-1', '/investigations/:id', <InvestigationDetail />)
    const progress = await screen.findByRole('list', { name: 'Progress' })
    // Which cluster and namespace: the heading names only the object.
    expect(screen.getByTestId('investigation-where').textContent).toMatch(/^Context dev · namespace shop · started /)
    const stages = within(progress).getAllByRole('listitem')
    expect(stages.map((li) => [li.textContent, li.className])).toEqual([
      ['queued', 'done'],
      ['gathering', 'done'],
      ['analyzing', 'done'],
      ['reasoning (skipped)', 'skipped'],
      ['concluded', 'current'],
    ])
  })

  it("says the analyzers' root cause once, not again at the top of their templated explanation", async () => {
    const concluded = (source: string, explanation: string) => ({
      investigation_id: 'inv-2',
      context: 'dev',
      state: 'concluded',
      target: { kind: 'Deployment', namespace: 'shop', name: 'checkout' },
      created_at: '2026-11-27T08:00:00Z',
      steps: [step('concluded', '')],
      root_cause: { code: 'CRASHLOOP_DEPENDENCY', summary: 'redis is down', confidence: 0.9 },
      conclusion_source: source,
      explanation,
      evidence: [],
      proposed_actions: [],
    })
    serveLists(
      {},
      {
        '/api/v1/ai/investigations/inv-2': concluded(
          'analyzers',
          'CRASHLOOP_DEPENDENCY — redis is down.\nWhat CRASHLOOP_DEPENDENCY means: a dependency it calls is unreachable.',
        ),
      },
    )
    const { unmount } = renderAt('/investigations/inv-2', '/investigations/:id', <InvestigationDetail />)
    const card = await screen.findByTestId('root-cause')
    expect(card.textContent?.match(/redis is down/g)).toHaveLength(1)
    expect(card.textContent).toContain('What CRASHLOOP_DEPENDENCY means: a dependency it calls is unreachable.')
    unmount()

    // The evidence the template lists is on the Evidence card, with links: the explanation keeps
    // what the code means and what else was seen, not the list again (an evidence text may span lines).
    serveLists(
      {},
      {
        '/api/v1/ai/investigations/inv-2': {
          ...concluded(
            'analyzers',
            'CRASHLOOP_DEPENDENCY — redis is down.\nWhat CRASHLOOP_DEPENDENCY means: a dependency it calls is unreachable.' +
              '\nEvidence:\n- Pod shop/checkout-1 logs: dial tcp redis:6379: connection refused\nretrying in 5s' +
              '\nAlso seen: IMAGE_NOT_FOUND on Pod shop/web-1.\n(Concluded by the deterministic analyzers; explanation templated.)',
          ),
          evidence: [
            {
              object: { kind: 'Pod', namespace: 'shop', name: 'checkout-1' },
              source: 'log',
              at: 'container app',
              text: 'dial tcp redis:6379: connection refused\nretrying in 5s',
            },
          ],
        },
      },
    )
    const withEvidence = renderAt('/investigations/inv-2', '/investigations/:id', <InvestigationDetail />)
    const explained = (await screen.findByTestId('root-cause')).textContent ?? ''
    expect(explained).toContain('What CRASHLOOP_DEPENDENCY means: a dependency it calls is unreachable.')
    expect(explained).toContain('Also seen: IMAGE_NOT_FOUND on Pod shop/web-1.')
    expect(explained).toContain('(Concluded by the deterministic analyzers; explanation templated.)')
    expect(explained).not.toContain('connection refused')
    expect(explained).not.toContain('retrying')
    expect(screen.getAllByText(/connection refused/)).toHaveLength(1)
    withEvidence.unmount()

    // An LLM's explanation is its own words: shown whole.
    serveLists({}, { '/api/v1/ai/investigations/inv-2': concluded('llm', 'CRASHLOOP_DEPENDENCY — redis is down, so checkout exits.') })
    renderAt('/investigations/inv-2', '/investigations/:id', <InvestigationDetail />)
    expect((await screen.findByTestId('root-cause')).textContent).toContain('CRASHLOOP_DEPENDENCY — redis is down, so checkout exits.')
  })
})
