// The app's outbox: which writes may wait for the network, and how each is sent.
import { shallowRef } from 'vue'
import type { TypedDocumentNode } from '@urql/core'
import { Outbox, localStore, type OutboxItem, type SendOutcome } from '../outbox'
import { client } from './client'
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

export const online = shallowRef(navigator.onLine)

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

export function flushOutbox(): Promise<number> {
  return navigator.onLine ? outbox.flush(send) : Promise.resolve(0)
}

/** Whether a write should wait in the outbox instead of going now. */
export function isOffline(): boolean {
  return !navigator.onLine
}

/** A write that failed for want of a network joins the queue. */
export function isNetworkFailure(error: { networkError?: unknown } | undefined): boolean {
  return Boolean(error?.networkError)
}

export function queue(kind: QueuedKind, variables: Record<string, unknown>, label: string): OutboxItem {
  return outbox.add(kind, variables, label)
}

window.addEventListener('online', () => {
  online.value = true
  void flushOutbox()
})
window.addEventListener('offline', () => (online.value = false))
