import { QueryClient, QueryObserver } from '@tanstack/react-query'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { readAgain, STUCK_AFTER_MS } from './readAgain'

/** A list whose reads the test answers one by one, each with the state when it was made. */
function slowList() {
  let state = 0
  const answers: (() => void)[] = []
  let reads = 0
  const read = () => {
    reads += 1
    const answer = `v${state}`
    return new Promise<string>((resolve) => answers.push(() => resolve(answer)))
  }
  return {
    read,
    reads: () => reads,
    change: () => (state += 1),
    answerNext: () => answers.shift()?.(),
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0))

afterEach(() => vi.useRealTimers())

describe('readAgain', () => {
  it('lets a read in flight land, then reads once more for every change announced meanwhile', async () => {
    const list = slowList()
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    const seen: (string | undefined)[] = []
    const stop = new QueryObserver(qc, { queryKey: ['investigations'], queryFn: list.read }).subscribe((r) => seen.push(r.data))
    await tick()
    expect(list.reads()).toBe(1)

    // Three changes while the first read is on its way (a steady stream of progress).
    const announced = [1, 2, 3].map(() => {
      list.change()
      return readAgain(qc, ['investigations'])
    })
    await tick()
    expect(list.reads()).toBe(1)

    // The first answer is shown (the page does not starve), and one read follows it.
    list.answerNext()
    await tick()
    expect(seen.at(-1)).toBe('v0')
    await tick()
    expect(list.reads()).toBe(2)
    list.answerNext()
    await Promise.all(announced)
    await tick()
    expect(seen.at(-1)).toBe('v3')
    expect(list.reads()).toBe(2)
    stop()
  })

  it('reads at once when nothing is in flight', async () => {
    const list = slowList()
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    const stop = new QueryObserver(qc, { queryKey: ['insights'], queryFn: list.read }).subscribe(() => {})
    await tick()
    list.answerNext()
    await tick()
    list.change()
    const done = readAgain(qc, ['insights'])
    await tick()
    expect(list.reads()).toBe(2)
    list.answerNext()
    await done
    expect(qc.getQueryData(['insights'])).toBe('v1')
    stop()
  })

  it('cancels a read that never lands and reads again, rather than waiting for it forever', async () => {
    vi.useFakeTimers()
    const list = slowList()
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    const stop = new QueryObserver(qc, { queryKey: ['approvals'], queryFn: list.read }).subscribe(() => {})
    await vi.advanceTimersByTimeAsync(0)
    list.change()
    const done = readAgain(qc, ['approvals'])
    await vi.advanceTimersByTimeAsync(STUCK_AFTER_MS - 1)
    expect(list.reads()).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(list.reads()).toBe(2)
    list.answerNext()
    list.answerNext()
    await vi.advanceTimersByTimeAsync(0)
    await done
    expect(qc.getQueryData(['approvals'])).toBe('v1')
    stop()
  })
})
