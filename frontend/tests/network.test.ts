import { afterEach, describe, expect, test, vi } from 'vitest'
import { NetworkState, Retry, observedFetch } from '../src/network'

describe('the network state', () => {
  test('a request that cannot connect means offline, whatever navigator.onLine says', async () => {
    const state = new NetworkState(true)
    const changes: boolean[] = []
    state.onChange((online) => changes.push(online))
    const failing = observedFetch(state, async () => {
      throw new TypeError('Failed to fetch')
    })
    await expect(failing('/graphql')).rejects.toThrow('Failed to fetch')
    expect(state.online).toBe(false)
    expect(changes).toEqual([false])
  })

  test('any answer from the server means online, an error status too', async () => {
    const state = new NetworkState(false)
    let answers = 0
    state.onAnswer(() => (answers += 1))
    const answering = observedFetch(state, async () => new Response('busy', { status: 503 }))
    expect((await answering('/graphql')).status).toBe(503)
    await answering('/graphql')
    expect(state.online).toBe(true)
    expect(answers).toBe(2)
  })

  test('an aborted request (a screen left early) says nothing about the network', async () => {
    const state = new NetworkState(true)
    const aborted = observedFetch(state, async () => {
      throw new DOMException('The user aborted a request.', 'AbortError')
    })
    await expect(aborted('/graphql')).rejects.toThrow()
    expect(state.online).toBe(true)
  })

  test('tells listeners only when the state flips', () => {
    const state = new NetworkState(true)
    const changes: boolean[] = []
    state.onChange((online) => changes.push(online))
    state.answered()
    state.failed()
    state.failed()
    state.answered()
    expect(changes).toEqual([false, true])
  })
})

describe('the retry', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  test('waits longer after each miss, up to the longest wait', () => {
    const retry = new Retry(async () => true, 2_000, 30_000)
    expect([1, 2, 3, 4, 5, 6].map((misses) => retry.delay(misses))).toEqual([2_000, 4_000, 8_000, 16_000, 30_000, 30_000])
  })

  test('tries again by itself until the attempt succeeds, with no event to wake it', async () => {
    vi.useFakeTimers()
    const outcomes = [false, false, true]
    const tried: number[] = []
    const retry = new Retry(async () => {
      tried.push(Date.now())
      return outcomes.shift() ?? true
    })
    const start = Date.now()
    await retry.now()
    expect(tried).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(tried).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(3_999)
    expect(tried).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(tried.map((at) => at - start)).toEqual([0, 2_000, 6_000])
    expect(retry.waiting).toBe(false)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(tried).toHaveLength(3)
  })

  test('now() tries at once and starts the waits over; calls at once share one try', async () => {
    vi.useFakeTimers()
    let tries = 0
    let release: (done: boolean) => void = () => {}
    const retry = new Retry(() => {
      tries += 1
      return new Promise<boolean>((resolve) => (release = resolve))
    })
    const first = retry.now()
    const second = retry.now()
    expect(tries).toBe(1)
    release(false)
    await Promise.all([first, second])
    await vi.advanceTimersByTimeAsync(2_000)
    expect(tries).toBe(2)
    release(false)
    await vi.advanceTimersByTimeAsync(0)
    // After two misses the next wait is 4 s; now() skips it.
    const third = retry.now()
    expect(tries).toBe(3)
    release(true)
    await third
    expect(retry.waiting).toBe(false)
  })

  test('later() schedules one try and does not stack them', async () => {
    vi.useFakeTimers()
    let tries = 0
    const retry = new Retry(async () => {
      tries += 1
      return true
    })
    retry.later()
    retry.later()
    await vi.advanceTimersByTimeAsync(2_000)
    expect(tries).toBe(1)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(tries).toBe(1)
  })
})
