// Whether the server can be reached, learned from what the app's own requests meet: a
// request that cannot connect means no network, any answer from the server (even an
// error) means a network. `navigator.onLine` cannot say it: Chromium keeps it `true` on
// an emulated offline link and on a weak 3G link that carries nothing, and fires no
// `online` event when such a link comes back. Its events are only hints here.
import { shallowRef } from 'vue'

type Listener = (online: boolean) => void

export class NetworkState {
  private changeListeners = new Set<Listener>()
  private answerListeners = new Set<() => void>()

  constructor(private current = true) {}

  get online(): boolean {
    return this.current
  }

  /** The server answered something: the network works. */
  answered(): void {
    this.set(true)
    for (const listener of this.answerListeners) listener()
  }

  /** A request could not reach the server. */
  failed(): void {
    this.set(false)
  }

  /** Called when the state flips, with the new state. */
  onChange(listener: Listener): () => void {
    this.changeListeners.add(listener)
    return () => this.changeListeners.delete(listener)
  }

  /** Called after every answer from the server. */
  onAnswer(listener: () => void): () => void {
    this.answerListeners.add(listener)
    return () => this.answerListeners.delete(listener)
  }

  private set(online: boolean): void {
    if (online === this.current) return
    this.current = online
    for (const listener of this.changeListeners) listener(online)
  }
}

/** `fetch` that tells `state` what it met. An abort (a screen left before its answer)
 * says nothing about the network. */
export function observedFetch(state: NetworkState, fetchImpl: typeof fetch = (...args) => globalThis.fetch(...args)): typeof fetch {
  return async (input, init) => {
    try {
      const response = await fetchImpl(input, init)
      state.answered()
      return response
    } catch (error) {
      if ((error as { name?: string } | null)?.name !== 'AbortError') state.failed()
      throw error
    }
  }
}

/** Tries `attempt` until it reports done, waiting longer after each miss (2 s, 4 s, 8 s…
 * up to `longest`). `now()` tries at once and starts the waits over: the network is
 * likely back (an `online` event, the page shown again, a request answered). */
export class Retry {
  private timer: ReturnType<typeof setTimeout> | null = null
  private misses = 0
  private running: Promise<void> | null = null

  constructor(
    private attempt: () => Promise<boolean>,
    private first = 2_000,
    private longest = 15_000,
  ) {}

  /** Delay before the next try after `misses` misses in a row. */
  delay(misses: number): number {
    return Math.min(this.longest, this.first * 2 ** Math.max(0, misses - 1))
  }

  get waiting(): boolean {
    return this.timer !== null
  }

  now(): Promise<void> {
    this.misses = 0
    this.cancel()
    this.running ??= this.run().finally(() => (this.running = null))
    return this.running
  }

  /** Tries later, unless a try is already running or due. */
  later(): void {
    if (this.running || this.timer) return
    this.schedule()
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private async run(): Promise<void> {
    let done = false
    try {
      done = await this.attempt()
    } catch {
      done = false
    }
    if (done) {
      this.misses = 0
      return
    }
    this.misses += 1
    this.schedule()
  }

  private schedule(): void {
    this.cancel()
    this.timer = setTimeout(() => {
      this.timer = null
      this.running ??= this.run().finally(() => (this.running = null))
    }, this.delay(this.misses))
  }
}

/** The app's one view of the network; `online` for screens. */
export const network = new NetworkState(globalThis.navigator?.onLine !== false)
export const online = shallowRef(network.online)
network.onChange((value) => (online.value = value))
