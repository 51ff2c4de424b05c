// Writes made without a network wait here, shown as "待发送", and go out once the
// network is back. An item leaves the queue only when the server has answered it, so a
// page closed mid-send sends it again at the next start: every kind queued here is safe
// to repeat (orders carry an idempotency key; follows and alerts set a state).

export interface OutboxItem {
  id: string
  kind: string
  variables: Record<string, unknown>
  /** What the person sees in the queue, e.g. "下单：大白菜 50斤" */
  label: string
  createdAt: number
}

/** sent: answered (even with userErrors); offline: try again later. */
export type SendOutcome = { status: 'sent'; message?: string } | { status: 'offline' }

export interface OutboxStore {
  load(): OutboxItem[]
  save(items: OutboxItem[]): void
}

export function localStore(key: string, storage: Storage = globalThis.localStorage): OutboxStore {
  return {
    load: () => {
      try {
        const items = JSON.parse(storage.getItem(key) ?? '[]')
        return Array.isArray(items) ? items : []
      } catch {
        return []
      }
    },
    save: (items) => storage.setItem(key, JSON.stringify(items)),
  }
}

export function memoryStore(items: OutboxItem[] = []): OutboxStore {
  let kept = [...items]
  return { load: () => [...kept], save: (next) => (kept = [...next]) }
}

type Listener = (items: readonly OutboxItem[]) => void

let counter = 0
function newId(): string {
  const random = globalThis.crypto?.randomUUID?.()
  return random ?? `${Date.now().toString(36)}-${(counter++).toString(36)}`
}

export class Outbox {
  private items: OutboxItem[]
  private listeners = new Set<Listener>()
  private flushing: Promise<number> | null = null

  constructor(private store: OutboxStore) {
    this.items = store.load()
  }

  get pending(): readonly OutboxItem[] {
    return this.items
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    listener(this.items)
    return () => this.listeners.delete(listener)
  }

  add(kind: string, variables: Record<string, unknown>, label: string): OutboxItem {
    const item: OutboxItem = { id: newId(), kind, variables, label, createdAt: Date.now() }
    this.update([...this.items, item])
    return item
  }

  /** Sends what waits, oldest first, stopping at the first that cannot get through.
   * Concurrent calls share one run, so no item is sent twice at once. Resolves to the
   * number of items the server answered. */
  flush(send: (item: OutboxItem) => Promise<SendOutcome>): Promise<number> {
    this.flushing ??= this.run(send).finally(() => (this.flushing = null))
    return this.flushing
  }

  private async run(send: (item: OutboxItem) => Promise<SendOutcome>): Promise<number> {
    let answered = 0
    for (const item of [...this.items]) {
      let outcome: SendOutcome
      try {
        outcome = await send(item)
      } catch {
        outcome = { status: 'offline' }
      }
      if (outcome.status === 'offline') break
      answered += 1
      this.update(this.items.filter((kept) => kept.id !== item.id))
    }
    return answered
  }

  private update(items: OutboxItem[]): void {
    this.items = items
    this.store.save(items)
    for (const listener of this.listeners) listener(items)
  }
}
