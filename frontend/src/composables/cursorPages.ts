// A list read by cursor pages (Relay connections), for every screen with 加载更多 or 下一页.
// The screen asks for the page after the last one shown; where the cache joins a list's
// pages (`api/pagination.ts`) the new edges are appended to the ones shown, elsewhere
// the next page replaces the last.
import { computed, ref, watch, type ComputedRef, type MaybeRefOrGetter, type Ref } from 'vue'
import { useQuery, type AnyVariables, type RequestPolicy, type TypedDocumentNode, type UseQueryResponse } from '@urql/vue'

export interface PageInfo {
  hasNextPage: boolean
  endCursor?: string | null
}

export interface Connection<Node> {
  edges: readonly { node: Node }[]
  pageInfo: PageInfo
}

/** The type of a connection's nodes. */
export type NodeOf<Conn extends Connection<unknown>> = Conn['edges'][number]['node']

export interface PagedQueryArgs<Data, Variables extends AnyVariables, Conn extends Connection<unknown>> {
  query: TypedDocumentNode<Data, Variables>
  /** Every variable but `after`. When one changes the list starts again at its first page. */
  variables?: () => Omit<Variables, 'after'>
  connection: (data: Data) => Conn | null | undefined
  pause?: MaybeRefOrGetter<boolean>
  requestPolicy?: RequestPolicy
}

export interface PagedQuery<Data, Variables extends AnyVariables, Conn extends Connection<unknown>> {
  query: UseQueryResponse<Data, Variables>
  /** The cursor of the page asked for; null for the first. */
  after: Ref<string | null>
  connection: ComputedRef<Conn | null | undefined>
  items: ComputedRef<NodeOf<Conn>[]>
  hasNextPage: ComputedRef<boolean>
  /** The last page is shown (van-list's `finished`). */
  finished: ComputedRef<boolean>
  /** From asking for the next page until it is shown; writable for van-list's v-model:loading. */
  loadingMore: Ref<boolean>
  hasPrevious: ComputedRef<boolean>
  /** Which page is shown, from 1, where a page replaces the one before (下一页). */
  pageNumber: ComputedRef<number>
  /** Asks for the page after the last one shown; nothing when there is none or it is on its way. */
  more: () => void
  /** Back to the page shown before `more` (keyset paging keeps the cursors it came by). */
  previous: () => void
  restart: () => void
}

export function usePagedQuery<Data, Variables extends AnyVariables, Conn extends Connection<unknown>>(
  args: PagedQueryArgs<Data, Variables, Conn>,
): PagedQuery<Data, Variables, Conn> {
  const after = ref<string | null>(null)
  const trail = ref<(string | null)[]>([])
  const loadingMore = ref(false)
  const others = computed(() => args.variables?.() ?? {})
  function restart(): void {
    trail.value = []
    after.value = null
  }
  // Watched before the query is made, so the first page is asked for with the new variables
  // in the same tick, never the old cursor with them.
  watch(() => JSON.stringify(others.value), restart)
  const query = useQuery<Data, Variables>({
    query: args.query,
    variables: computed(() => ({ ...others.value, after: after.value }) as unknown as Variables),
    ...(args.pause === undefined ? {} : { pause: args.pause }),
    ...(args.requestPolicy === undefined ? {} : { requestPolicy: args.requestPolicy }),
  })
  const connection = computed(() => (query.data.value ? args.connection(query.data.value as Data) : undefined))
  const hasNextPage = computed(() => Boolean(connection.value?.pageInfo.hasNextPage))
  watch([query.fetching, connection], ([fetching]) => {
    if (!fetching) loadingMore.value = false
  })

  function more(): void {
    const page = connection.value?.pageInfo
    if (page?.hasNextPage && page.endCursor && page.endCursor !== after.value) {
      trail.value.push(after.value)
      after.value = page.endCursor
      loadingMore.value = true
    } else {
      loadingMore.value = false
    }
  }
  function previous(): void {
    after.value = trail.value.pop() ?? null
  }

  return {
    query,
    after,
    connection,
    items: computed(() => connection.value?.edges.map((edge) => edge.node as NodeOf<Conn>) ?? []),
    hasNextPage,
    finished: computed(() => Boolean(connection.value) && !hasNextPage.value),
    loadingMore,
    hasPrevious: computed(() => trail.value.length > 0),
    pageNumber: computed(() => trail.value.length + 1),
    more,
    previous,
    restart,
  }
}
