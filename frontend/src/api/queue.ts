// The app's outbox: which writes may wait for the network, and how each is sent.
import { shallowRef } from 'vue'
import type { TypedDocumentNode } from '@urql/core'
import { Outbox, localStore, type OutboxItem, type SendOutcome } from '../outbox'
import { network, online, Retry } from '../network'
import { client, fetchObserved } from './client'
import {
  FollowCommoditiesMutation,
  MarkNotificationsReadMutation,
  PlaceOrderMutation,
  SetPriceAlertMutation,
} from './documents'
import { AcknowledgeNoticeMutation, MarkNoticeReadMutation } from './notices'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind has its own variables
const KINDS: Record<string, TypedDocumentNode<any, any>> = {
  placeOrder: PlaceOrderMutation,
  followCommodities: FollowCommoditiesMutation,
  setPriceAlert: SetPriceAlertMutation,
  markNotificationsRead: MarkNotificationsReadMutation,
  markNoticeRead: MarkNoticeReadMutation,
  acknowledgeNotice: AcknowledgeNoticeMutation,
}
export type QueuedKind = keyof typeof KINDS

export const outbox = new Outbox(localStore('sannong.outbox'))
export const pending = shallowRef<readonly OutboxItem[]>(outbox.pending)
outbox.subscribe((items) => (pending.value = items))

export { online }

/** Problems the server found in a queued write, told once it was sent. */
export const rejected = shallowRef<string[]>([])

function firstUserError(data: Record<string, unknown> | undefined): string | undefined {
  const payload = data && (Object.values(data)[0] as { userErrors?: { message: string }[] } | null)
  return payload?.userErrors?.[0]?.message
}

async function send(item: OutboxItem): Promise<SendOutcome> {
  const document = KINDS[item.kind]
  if (!document) return { status: 'sent', message: '无法识别的待发送内容，已丢弃' }
  const result = await client.mutation(document, item.variables).toPromise()
  if (result.error?.networkError) return { status: 'offline' }
  const message = result.error?.message ?? firstUserError(result.data)
  if (message) rejected.value = [...rejected.value, `${item.label}：${message}`]
  return { status: 'sent', message }
}

/** Sends what waits; true once nothing does. */
async function sendPending(): Promise<boolean> {
  if (outbox.pending.length) await outbox.flush(send)
  else if (!network.online) await probe()
  return outbox.pending.length === 0 && network.online
}

/** A request the server answers at once: tells whether the network is back when nothing
 * waits to be sent (the answer or failure reaches `network` through the client's fetch). */
async function probe(): Promise<void> {
  await fetchObserved('/healthz', { cache: 'no-store' }).catch(() => undefined)
}

/** Retries on a backoff timer while something waits or the network seems gone, and at
 * once whenever the network looks back: an `online` event (not always fired), the page
 * shown again, any answer from the server after a failure. */
const retry = new Retry(sendPending)

export function flushOutbox(): Promise<void> {
  return retry.now()
}

/** Whether a write should wait in the outbox instead of going now. */
export function isOffline(): boolean {
  return !network.online
}

/** A write that failed for want of a network joins the queue. */
export function isNetworkFailure(error: { networkError?: unknown } | undefined): boolean {
  return Boolean(error?.networkError)
}

export function queue(kind: QueuedKind, variables: Record<string, unknown>, label: string): OutboxItem {
  return outbox.add(kind, variables, label)
}

outbox.subscribe((items) => {
  if (items.length) void retry.now()
})
network.onChange((isOnline) => (isOnline ? void retry.now() : retry.later()))
network.onAnswer(() => {
  if (outbox.pending.length) void retry.now()
})
window.addEventListener('online', () => void retry.now())
window.addEventListener('offline', () => network.failed())
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') void retry.now()
})
