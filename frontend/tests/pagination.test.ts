// The cache's joining of cursor pages, with the real graphcache and the app's schema. The
// server is a stand-in exchange answering fixed data (a unit test of the cache, not of the
// API; the browser tests run the real server).
import { describe, expect, test } from 'vitest'
import { Client, gql, makeResult, type Exchange, type Operation } from '@urql/core'
import { cacheExchange } from '@urql/exchange-graphcache'
import { filter, map, pipe } from 'wonka'
import schema from '../src/gql/schema.json'
import { pagination } from '../src/api/pagination'

const LECTURES = Array.from({ length: 5 }, (_, n) => ({
  __typename: 'VideoSession',
  id: `lecture-${n + 1}`,
  title: `讲座${n + 1}`,
  topic: `主题${n + 1}`,
}))

/** Answers videoSessions(first, after) from LECTURES, with the fields the query asks for. */
function answer(operation: Operation): Record<string, unknown> {
  const { first, after } = operation.variables as { first: number; after?: string | null }
  const start = after ? LECTURES.findIndex((lecture) => lecture.id === after) + 1 : 0
  const page = LECTURES.slice(start, start + first)
  const withTopic = JSON.stringify(operation.query).includes('"topic"')
  return {
    videoSessions: {
      __typename: 'VideoSessionConnection',
      edges: page.map((lecture) => ({
        __typename: 'VideoSessionEdge',
        node: withTopic ? lecture : { __typename: lecture.__typename, id: lecture.id, title: lecture.title },
      })),
      pageInfo: { __typename: 'PageInfo', hasNextPage: start + first < LECTURES.length, endCursor: page.at(-1)?.id ?? null },
    },
  }
}

const server: Exchange = () => (operations$) =>
  pipe(
    operations$,
    filter((operation) => operation.kind === 'query'),
    map((operation) => makeResult(operation, { data: answer(operation) })),
  )

function client(): Client {
  return new Client({
    url: '/graphql',
    exchanges: [cacheExchange({ schema: schema as never, resolvers: { Query: { videoSessions: pagination() } } }), server],
  })
}

// Home: the next lectures, title only.
const Preview = gql`
  query Preview($first: Int!) {
    videoSessions(upcomingOnly: true, first: $first) { edges { node { id title } } pageInfo { hasNextPage endCursor } }
  }
`
// The experts tab and the lectures screen: every detail, page by page.
const Detailed = gql`
  query Detailed($first: Int!, $after: String) {
    videoSessions(upcomingOnly: true, first: $first, after: $after) { edges { node { id title topic } } pageInfo { hasNextPage endCursor } }
  }
`

describe('cursor pages in the cache', () => {
  test("a short window of a list is not joined by another screen's longer one", async () => {
    const cache = client()
    await cache.query(Preview, { first: 3 }).toPromise()
    const tab = await cache.query(Detailed, { first: 2 }, { requestPolicy: 'cache-and-network' }).toPromise()
    // With every first page joined, the third lecture (without its topic) made the whole
    // answer null: the experts tab showed 暂无内容.
    expect(tab.data?.videoSessions.edges.map((edge: { node: { topic: string } }) => edge.node.topic)).toEqual(['主题1', '主题2'])
  })

  test("one screen's pages, one after the other, are one list", async () => {
    const cache = client()
    const first = await cache.query(Detailed, { first: 2 }).toPromise()
    const next = await cache.query(Detailed, { first: 2, after: first.data.videoSessions.pageInfo.endCursor }).toPromise()
    expect(next.data?.videoSessions.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual(['lecture-1', 'lecture-2', 'lecture-3', 'lecture-4'])
  })
})
