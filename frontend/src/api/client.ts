// The app's one GraphQL client: a normalized cache kept in IndexedDB (an offline reload
// shows the last screens), trusted documents sent by id (GET for queries, so the
// browser revalidates them with the server's ETag), subscriptions over graphql-ws.
import {
  Client,
  fetchExchange,
  makeOperation,
  mapExchange,
  subscriptionExchange,
  type Exchange,
  type Operation,
} from '@urql/core'
import { offlineExchange, type Cache } from '@urql/exchange-graphcache'
import { makeDefaultStorage } from '@urql/exchange-graphcache/default-storage'
import { createClient as createWsClient } from 'graphql-ws'
import { fromPromise, fromValue, map, mergeMap, pipe } from 'wonka'
import schema from '../gql/schema.json'
import { pagination } from './pagination'
import { network, observedFetch } from '../network'
import { session, signOut } from '../session'

let hydrated = false
let cacheHydrated = (): void => {}
const hydration = new Promise<void>((resolve) => {
  cacheHydrated = resolve
  // IndexedDB that never answers (a broken profile) must not hold the app back.
  setTimeout(resolve, 5_000)
}).then(() => {
  hydrated = true
})

export const storage = makeDefaultStorage({ idbName: 'sannong-cache-v1', maxAge: 14, onCacheHydrated: () => cacheHydrated() })

/** First: operations wait until the cache is back from IndexedDB (a few milliseconds).
 * The offline cache would otherwise send a query made before, cancel it once the cache
 * is back and send it again: every start's first request twice over a slow link. The
 * promise's callbacks run after the offline cache has marked itself hydrated, in the
 * order the operations came. */
const awaitHydration: Exchange =
  ({ forward }) =>
  (operations$) =>
    forward(
      pipe(
        operations$,
        mergeMap((operation) => (hydrated ? fromValue(operation) : fromPromise(hydration.then(() => operation)))),
      ),
    )

type NoticePayload = { notice?: { id: string } | null }

interface Persisted {
  __meta__?: { hash?: string }
}

/** Before the cache: notes each operation's trusted-document id, which the cache's
 * rewritten document would lose. */
const noteDocumentId: Exchange =
  ({ forward }) =>
  (operations$) =>
    forward(
      pipe(
        operations$,
        map((operation) => {
          const id = (operation.query as Persisted).__meta__?.hash
          return id ? makeOperation(operation.kind, operation, { documentId: id }) : operation
        }),
      ),
    )

/** After the cache: queries and mutations go as `{documentId}`; results carry the
 * operation with its full document back, which the cache normalizes with. */
const sendDocumentId: Exchange =
  ({ forward }) =>
  (operations$) =>
    pipe(
      forward(
        pipe(
          operations$,
          map((operation) => {
            const id = operation.context.documentId as string | undefined
            if (!id || operation.kind === 'teardown' || operation.kind === 'subscription') {
              return operation
            }
            const query = { kind: 'Document', definitions: [], documentId: id }
            return makeOperation(
              operation.kind,
              { ...operation, query: query as unknown as Operation['query'] },
              { original: operation },
            )
          }),
        ),
      ),
      map((result) => {
        const original = result.operation.context.original as Operation | undefined
        return original ? { ...result, operation: original } : result
      }),
    )

function invalidateAll(cache: Cache, fieldName: string): void {
  for (const field of cache.inspectFields('Query')) {
    if (field.fieldName === fieldName) cache.invalidate('Query', field.fieldKey)
  }
}

/** A notice opened or confirmed leaves the lists of unread ones at once; its `read` flag
 * and the reader's unread count come back in the payload, normalized. Nothing is asked
 * again: invalidating here made three screens refetch over a slow link, and with the read
 * and the confirmation both in flight a kept-alive home could stay without its count. */
function noticeLeftUnread(cache: Cache, noticeId: string | undefined): void {
  if (!noticeId) return
  const notice = cache.keyOfEntity({ __typename: 'Notice', id: noticeId })
  for (const field of cache.inspectFields('Query')) {
    if (field.fieldName !== 'notices' || !field.arguments?.unreadOnly) continue
    const connection = cache.resolve('Query', field.fieldKey)
    if (typeof connection !== 'string') continue
    const edges = cache.resolve(connection, 'edges')
    if (!Array.isArray(edges)) continue
    const kept = edges.filter((edge) => typeof edge !== 'string' || cache.resolve(edge, 'node') !== notice)
    if (kept.length !== edges.length) cache.link(connection, 'edges', kept as string[])
  }
}

/** A new notice: the unread count and the lists of unread ones are asked again. */
function unreadNoticesChanged(cache: Cache): void {
  const me = cache.resolve('Query', 'me')
  if (typeof me === 'string') cache.invalidate(me, 'unreadNoticeCount')
  for (const field of cache.inspectFields('Query')) {
    if (field.fieldName === 'notices' && field.arguments?.unreadOnly) cache.invalidate('Query', field.fieldKey)
  }
}

const cache = offlineExchange({
  schema: schema as never,
  storage,
  keys: {
    PriceQuote: () => null,
    PricePoint: () => null,
    PriceSeries: () => null,
    PageInfo: () => null,
    ListingPhoto: (photo) => (photo.key as string) ?? null,
    ListingConnection: () => null,
    ListingEdge: () => null,
    OrderConnection: () => null,
    OrderEdge: () => null,
    OrderEvent: () => null,
    PriceQuoteConnection: () => null,
    PriceQuoteEdge: () => null,
    NotificationConnection: () => null,
    NotificationEdge: () => null,
    UserError: () => null,
    AuthPayload: () => null,
    UserPayload: () => null,
    ListingPayload: () => null,
    OrderPayload: () => null,
    PriceAlertPayload: () => null,
    RemovePriceAlertPayload: () => null,
    NotificationsPayload: () => null,
    // notices and feedback
    NoticeConnection: () => null,
    NoticeEdge: () => null,
    NoticeAttachment: (attachment) => (attachment.key as string) ?? null,
    NoticeRevision: () => null,
    NoticePayload: () => null,
    FinanceStatement: () => null,
    FinanceLine: () => null,
    FinanceCategoryTotal: () => null,
    FinanceWarning: () => null,
    FeedbackConnection: () => null,
    FeedbackEdge: () => null,
    FeedbackReply: () => null,
    FeedbackRating: () => null,
    FeedbackPayload: () => null,
    VideoSessionConnection: () => null,
    VideoSessionEdge: () => null,
    // experts
    Photo: (photo) => (photo.key as string) ?? null,
    Rating: () => null,
    ConsultationRating: () => null,
    ConsultationEvent: () => null,
    IceServer: () => null,
    QuestionConnection: () => null,
    QuestionEdge: () => null,
    ExpertConnection: () => null,
    ExpertEdge: () => null,
    ConsultationConnection: () => null,
    ConsultationEdge: () => null,
    ConsultationSlotConnection: () => null,
    ConsultationSlotEdge: () => null,
    SearchHit: () => null,
    QuestionPayload: () => null,
    ConsultationPayload: () => null,
    CallSignalPayload: () => null,
    VideoSessionPayload: () => null,
    RegionPayload: () => null,
  },
  resolvers: {
    Query: {
      listings: pagination(),
      myOrders: pagination(),
      myNotifications: pagination(),
      notices: pagination(),
      feedback: pagination(),
      questions: pagination(),
      experts: pagination(),
      myConsultations: pagination(),
      videoSessions: pagination(),
      consultationSlots: pagination(),
    },
  },
  updates: {
    Mutation: {
      setPriceAlert: (_result, _args, cache) => invalidateAll(cache, 'myPriceAlerts'),
      removePriceAlert: (_result, _args, cache) => invalidateAll(cache, 'myPriceAlerts'),
      createListing: (_result, _args, cache) => invalidateAll(cache, 'listings'),
      placeOrder: (result, _args, cache) => {
        invalidateAll(cache, 'myOrders')
        const order = (result.placeOrder as { order?: { listing?: { id: string } } }).order
        if (order?.listing) cache.invalidate({ __typename: 'Listing', id: order.listing.id })
      },
      askQuestion: (_result, _args, cache) => invalidateAll(cache, 'questions'),
      bookConsultation: (_result, _args, cache) => {
        invalidateAll(cache, 'myConsultations')
        invalidateAll(cache, 'consultationSlots')
      },
      cancelConsultation: (_result, _args, cache) => {
        invalidateAll(cache, 'myConsultations')
        invalidateAll(cache, 'consultationSlots')
      },
      markNotificationsRead: (_result, _args, cache) => {
        invalidateAll(cache, 'myNotifications')
        const me = cache.resolve('Query', 'me')
        if (typeof me === 'string') cache.invalidate(me, 'unreadNotificationCount')
      },
      markNoticeRead: (result, _args, cache) => noticeLeftUnread(cache, (result.markNoticeRead as NoticePayload).notice?.id),
      acknowledgeNotice: (result, _args, cache) => noticeLeftUnread(cache, (result.acknowledgeNotice as NoticePayload).notice?.id),
      submitFeedback: (_result, _args, cache) => invalidateAll(cache, 'feedback'),
      // A new region joins its parent's children (and lists by level); a renamed one
      // changes the full names those lists show.
      createRegion: (_result, _args, cache) => invalidateAll(cache, 'regions'),
      renameRegion: (_result, _args, cache) => invalidateAll(cache, 'regions'),
    },
    Subscription: {
      orderUpdated: (result, _args, cache) => {
        // A new order (the seller's side) is not in any list yet: fetch them again.
        if ((result.orderUpdated as { status: string }).status === 'PENDING') {
          invalidateAll(cache, 'myOrders')
        }
      },
      noticePublished: (_result, _args, cache) => {
        invalidateAll(cache, 'notices')
        unreadNoticesChanged(cache)
      },
      // A booking, cancellation or completion moves a consultation between lists.
      consultationUpdated: (_result, _args, cache) => invalidateAll(cache, 'myConsultations'),
    },
  },
})

/** Every request of the app's client goes through it: what it meets tells `network`. */
export const fetchObserved = observedFetch(network)

const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`
let socketConnected = false
const sockets = createWsClient({
  url: wsUrl,
  lazy: true,
  connectionParams: () => (session.token ? { Authorization: `Bearer ${session.token}` } : {}),
  retryAttempts: Infinity,
  shouldRetry: () => true,
  // A socket that cannot connect is a sign of no network too; one connected, of a network.
  // A close with graphql-ws's own codes (4400, 4401…) is the server speaking, not a lost link.
  on: {
    connected: () => {
      socketConnected = true
      network.answered()
    },
    closed: (event) => {
      const code = (event as CloseEvent | undefined)?.code ?? 1006
      if (!socketConnected && code !== 1000 && (code < 4000 || code > 4999)) network.failed()
      socketConnected = false
    },
  },
})

/** Code of the first GraphQL error, e.g. UNAUTHENTICATED. */
export function errorCode(error: { graphQLErrors?: { extensions?: Record<string, unknown> }[] } | undefined): string | undefined {
  return error?.graphQLErrors?.[0]?.extensions?.code as string | undefined
}

export const client = new Client({
  url: '/graphql',
  preferGetMethod: 'within-url-limit',
  requestPolicy: 'cache-and-network',
  fetch: fetchObserved,
  fetchOptions: () => ({
    headers: {
      ...(session.token ? { Authorization: `Bearer ${session.token}` } : {}),
      // Photo uploads need it (the server's CSRF check); harmless elsewhere.
      'GraphQL-Preflight': '1',
    },
  }),
  exchanges: [
    mapExchange({
      onResult(result) {
        // A token the server no longer knows (expired, logged out elsewhere).
        if (session.token && errorCode(result.error) === 'UNAUTHENTICATED' && result.operation.kind === 'query') {
          void resetAndReload(false)
        }
      },
    }),
    awaitHydration,
    noteDocumentId,
    cache,
    sendDocumentId,
    subscriptionExchange({
      forwardSubscription: (request) => ({
        subscribe: (sink) => ({ unsubscribe: sockets.subscribe({ ...request, query: request.query ?? '' }, sink) }),
      }),
    }),
    fetchExchange,
  ],
})

/** After sign-in or sign-out nothing cached belongs to the new person. */
export async function resetAndReload(keepSession: boolean, to = '/'): Promise<void> {
  if (!keepSession) signOut()
  await storage.clear()
  location.assign(to)
}
