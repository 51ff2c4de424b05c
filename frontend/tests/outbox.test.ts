import { describe, expect, test } from 'vitest'
import { Outbox, localStore, memoryStore, type OutboxItem, type SendOutcome } from '../src/outbox'

function recorder(outcomes: SendOutcome['status'][] = []) {
  const sent: string[] = []
  const send = async (item: OutboxItem): Promise<SendOutcome> => {
    sent.push(item.label)
    const status = outcomes.shift() ?? 'sent'
    return status === 'offline' ? { status } : { status: 'sent' }
  }
  return { sent, send }
}

describe('the outbox', () => {
  test('keeps what was added, in order, across a restart', () => {
    const store = memoryStore()
    const outbox = new Outbox(store)
    outbox.add('placeOrder', { input: { quantity: 2 } }, '下单：玉米')
    outbox.add('followCommodities', { input: { commodityIds: ['c1'] } }, '关注玉米')
    const again = new Outbox(store)
    expect(again.pending.map((item) => item.label)).toEqual(['下单：玉米', '关注玉米'])
    expect(again.pending[0].variables).toEqual({ input: { quantity: 2 } })
  })

  test('sends each item once and empties', async () => {
    const outbox = new Outbox(memoryStore())
    outbox.add('a', {}, 'one')
    outbox.add('b', {}, 'two')
    const { sent, send } = recorder()
    expect(await outbox.flush(send)).toBe(2)
    expect(await outbox.flush(send)).toBe(0)
    expect(sent).toEqual(['one', 'two'])
    expect(outbox.pending).toEqual([])
  })

  test('stops at the first item that cannot get through and keeps the rest', async () => {
    const store = memoryStore()
    const outbox = new Outbox(store)
    outbox.add('a', {}, 'one')
    outbox.add('b', {}, 'two')
    outbox.add('c', {}, 'three')
    const { sent, send } = recorder(['sent', 'offline'])
    expect(await outbox.flush(send)).toBe(1)
    expect(sent).toEqual(['one', 'two'])
    expect(new Outbox(store).pending.map((item) => item.label)).toEqual(['two', 'three'])
  })

  test('a send that throws counts as offline', async () => {
    const outbox = new Outbox(memoryStore())
    outbox.add('a', {}, 'one')
    expect(await outbox.flush(async () => Promise.reject(new Error('boom')))).toBe(0)
    expect(outbox.pending).toHaveLength(1)
  })

  test('two flushes at once share one run: nothing is sent twice', async () => {
    const outbox = new Outbox(memoryStore())
    outbox.add('a', {}, 'one')
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const sent: string[] = []
    const send = async (item: OutboxItem): Promise<SendOutcome> => {
      sent.push(item.label)
      await gate
      return { status: 'sent' }
    }
    const first = outbox.flush(send)
    const second = outbox.flush(send)
    release()
    expect(await Promise.all([first, second])).toEqual([1, 1])
    expect(sent).toEqual(['one'])
  })

  test('an item added while sending waits for the next flush', async () => {
    const outbox = new Outbox(memoryStore())
    outbox.add('a', {}, 'one')
    const sent: string[] = []
    await outbox.flush(async (item) => {
      sent.push(item.label)
      if (item.label === 'one') outbox.add('b', {}, 'two')
      return { status: 'sent' }
    })
    expect(sent).toEqual(['one'])
    expect(outbox.pending.map((item) => item.label)).toEqual(['two'])
  })

  test('listeners hear every change', async () => {
    const outbox = new Outbox(memoryStore())
    const sizes: number[] = []
    outbox.subscribe((items) => sizes.push(items.length))
    outbox.add('a', {}, 'one')
    await outbox.flush(recorder().send)
    expect(sizes).toEqual([0, 1, 0])
  })

  test('a damaged stored queue reads as empty', () => {
    const values = new Map<string, string>([['q', '{not json']])
    const storage = {
      getItem: (key: string) => values.get(key) ?? null,
      setItem: (key: string, value: string) => void values.set(key, value),
    } as unknown as Storage
    expect(localStore('q', storage).load()).toEqual([])
    localStore('q', storage).save([{ id: '1', kind: 'a', variables: {}, label: 'x', createdAt: 0 }])
    expect(localStore('q', storage).load()).toHaveLength(1)
  })
})
