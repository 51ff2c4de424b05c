import { describe, expect, test } from 'vitest'
import { createApp, effectScope, nextTick, ref } from 'vue'
import urql, { Client, fetchExchange, gql } from '@urql/vue'
import { cacheExchange } from '@urql/exchange-graphcache'
import { buildSchema, graphql } from 'graphql'
import { usePagedQuery } from '../src/composables/cursorPages'
import { pagination } from '../src/api/pagination'

// A real GraphQL server in the test (graphql-js over a fetch function), a real urql client
// with graphcache joining pages as the app's does (`api/pagination.ts`).
const schema = buildSchema(`
  type Crop { id: ID! name: String! }
  type CropEdge { cursor: String! node: Crop! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type CropConnection { edges: [CropEdge!]! pageInfo: PageInfo! }
  type Query { crops(kind: String, first: Int, after: String): CropConnection! }
`)
const CROPS: Record<string, string[]> = {
  grain: ['玉米', '小麦', '水稻', '高粱', '大豆'],
  fruit: ['苹果', '梨'],
}

interface Crop {
  id: string
  name: string
}
interface CropsData {
  crops: { edges: { cursor: string; node: Crop }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }
}
const CropsQuery = gql<CropsData, { kind: string; after: string | null }>`
  query Crops($kind: String, $after: String) {
    crops(kind: $kind, first: 2, after: $after) { # pages of 2
      edges { cursor node { id name } }
      pageInfo { hasNextPage endCursor }
    }
  }
`

function server(asked: (string | null)[]) {
  const rootValue = {
    crops: ({ kind, first, after }: { kind: string; first: number; after: string | null }) => {
      asked.push(after)
      const names = CROPS[kind] ?? []
      const start = after === null ? 0 : Number(after) + 1
      const edges = names.slice(start, start + first).map((name, n) => ({ cursor: String(start + n), node: { id: `${kind}-${start + n}`, name } }))
      return { edges, pageInfo: { hasNextPage: start + first < names.length, endCursor: edges.at(-1)?.cursor ?? null } }
    },
  }
  return async (_url: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const { query, variables } = JSON.parse(String(init?.body))
    const result = await graphql({ schema, source: query, variableValues: variables, rootValue })
    return new Response(JSON.stringify(result), { headers: { 'content-type': 'application/json' } })
  }
}

function start(asked: (string | null)[], kind = ref('grain')) {
  const client = new Client({
    url: 'http://sannong.test/graphql',
    preferGetMethod: false,
    fetch: server(asked),
    exchanges: [cacheExchange({ resolvers: { Query: { crops: pagination() } } }), fetchExchange],
  })
  const scope = effectScope()
  const app = createApp({}).use(urql, client) // as main.ts provides it, without a page to mount
  const pages = app.runWithContext(() =>
    scope.run(() => usePagedQuery({ query: CropsQuery, variables: () => ({ kind: kind.value }), connection: (data) => data.crops })),
  )!
  debug = () => ({ data: pages.query.data.value, error: pages.query.error.value?.message, fetching: pages.query.fetching.value, asked })
  return { pages, kind, stop: () => scope.stop() }
}

let debug: () => unknown = () => null
async function until(condition: () => boolean): Promise<void> {
  for (let tries = 0; !condition(); tries += 1) {
    if (tries > 500) throw new Error('the condition never held ' + JSON.stringify(debug()))
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  await nextTick()
}

const names = (items: Crop[]) => items.map((crop) => crop.name)

describe('usePagedQuery', () => {
  test('more appends the next page to the ones shown, until the last', async () => {
    const asked: (string | null)[] = []
    const { pages, stop } = start(asked)
    await until(() => pages.items.value.length === 2)
    expect(names(pages.items.value)).toEqual(['玉米', '小麦'])
    expect(pages.hasNextPage.value).toBe(true)
    expect(pages.finished.value).toBe(false)

    pages.more()
    expect(pages.loadingMore.value).toBe(true)
    pages.more() // a second tap while the page is on its way asks for nothing more
    await until(() => pages.items.value.length === 4)
    expect(names(pages.items.value)).toEqual(['玉米', '小麦', '水稻', '高粱'])
    await until(() => !pages.loadingMore.value)

    pages.more()
    await until(() => pages.items.value.length === 5)
    expect(names(pages.items.value)).toEqual(['玉米', '小麦', '水稻', '高粱', '大豆'])
    expect(pages.finished.value).toBe(true)
    pages.more() // the last page: nothing to ask for
    await nextTick()
    expect(asked).toEqual([null, '1', '3'])
    expect(pages.loadingMore.value).toBe(false)
    stop()
  })

  test('other variables start the list again at its first page', async () => {
    const asked: (string | null)[] = []
    const { pages, kind, stop } = start(asked)
    await until(() => pages.items.value.length === 2)
    pages.more()
    await until(() => pages.items.value.length === 4)

    kind.value = 'fruit'
    await until(() => names(pages.items.value).includes('苹果'))
    expect(names(pages.items.value)).toEqual(['苹果', '梨'])
    expect(pages.after.value).toBe(null)
    expect(pages.finished.value).toBe(true)
    expect(asked).toEqual([null, '1', null]) // never the grain cursor with the fruit
    stop()
  })

  test('previous goes back by the cursors it came by, restart to the first page', async () => {
    const asked: (string | null)[] = []
    const { pages, stop } = start(asked)
    await until(() => pages.items.value.length === 2)
    expect(pages.hasPrevious.value).toBe(false)
    pages.more()
    await until(() => pages.after.value === '1' && pages.items.value.length === 4)
    pages.more()
    await until(() => pages.items.value.length === 5)
    expect(pages.hasPrevious.value).toBe(true)
    pages.previous()
    expect(pages.after.value).toBe('1')
    pages.restart()
    expect(pages.after.value).toBe(null)
    expect(pages.hasPrevious.value).toBe(false)
    stop()
  })
})
