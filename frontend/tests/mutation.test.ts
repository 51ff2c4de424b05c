import { describe, expect, test } from 'vitest'
import { createApp, effectScope } from 'vue'
import urql, { Client, CombinedError, fetchExchange, gql } from '@urql/vue'
import { buildSchema, graphql } from 'graphql'
import { byCause, lastPart, serverOr, settle, useMutationWithErrors, type UserError } from '../src/composables/mutation'

interface Listing {
  id: string
  title: string
}
type Payload = { listing: Listing | null; userErrors: UserError[] }

const networkDown = new CombinedError({ networkError: new TypeError('Failed to fetch') })
const refused = new CombinedError({ graphQLErrors: [{ message: '请先登录' }] })

function told() {
  const toasts: string[] = []
  return { toasts, say: (message: string) => void toasts.push(message) }
}

describe('settle', () => {
  test('the first userError is the toast, and each goes beside its field', () => {
    const { toasts, say } = told()
    const errors: Record<string, string> = {}
    const payload: Payload = {
      listing: null,
      userErrors: [
        { field: 'input.title', message: '请填写标题' },
        { field: 'input.price', message: '价格必须大于 0' },
        { field: null, message: '今天发布太多了' },
      ],
    }
    const result = settle({ payload, variables: {} }, { failure: '发布失败', fields: { into: errors, key: lastPart('form') }, say })
    expect(result).toBe(null)
    expect(toasts).toEqual(['请填写标题'])
    expect(errors).toEqual({ title: '请填写标题', price: '价格必须大于 0', form: '今天发布太多了' })
  })

  test('no answer: the failure text by its cause, the server message, or nothing', () => {
    const { toasts, say } = told()
    const failure = byCause('网络不通，请稍后再发布', '发布失败，请稍后再试')
    settle({ payload: undefined, error: networkDown, variables: {} }, { failure, say })
    settle({ payload: undefined, error: refused, variables: {} }, { failure, say })
    settle({ payload: undefined, error: refused, variables: {} }, { failure: serverOr('发送失败'), say })
    settle({ payload: undefined, error: networkDown, variables: {} }, { failure: serverOr('发送失败'), say })
    settle({ payload: undefined, error: refused, variables: {} }, { failure: () => null, say })
    expect(toasts).toEqual(['网络不通，请稍后再发布', '发布失败，请稍后再试', '请先登录', '发送失败'])
  })

  test('an answer that did not do what was asked is a failure; one that did is the payload', () => {
    const { toasts, say } = told()
    const done = (payload: Payload) => Boolean(payload.listing)
    expect(settle({ payload: { listing: null, userErrors: [] }, variables: {} }, { failure: '发布失败', done, say })).toBe(null)
    const listed = { listing: { id: 'L1', title: '玉米 500 公斤' }, userErrors: [] }
    expect(settle({ payload: listed, variables: {} }, { failure: '发布失败', done, say })).toBe(listed)
    expect(toasts).toEqual(['发布失败'])
  })

  test('a screen that lists its problems gets them all, with no toast; a form read anew each time', () => {
    const { toasts, say } = told()
    const listed: string[][] = []
    const payload: Payload = { listing: null, userErrors: [{ field: 'slots.1', message: '时段重叠' }, { field: 'slots.3', message: '已过去' }] }
    settle({ payload, variables: {} }, { failure: '发布失败', listed: (errors) => listed.push(errors.map((e) => e.message)), say })
    expect(listed).toEqual([['时段重叠', '已过去']])
    expect(toasts).toEqual([])

    let form: Record<string, string> = {}
    const telling = { failure: '注册失败', fields: { into: () => form, key: lastPart('name') }, say }
    form = { phone: '手机号格式不对' } // the screen's own checks put a new object in place
    settle({ payload: { listing: null, userErrors: [{ field: 'input.phone', message: '手机号已注册' }] }, variables: {} }, telling)
    expect(form).toEqual({ phone: '手机号已注册' })
    expect(toasts).toEqual(['手机号已注册'])
  })

  test('a write that may wait is handed to the queue when the network failed, without a toast', () => {
    const { toasts, say } = told()
    const queued: unknown[] = []
    const variables = { input: { listingId: 'L1' } }
    settle({ payload: undefined, error: networkDown, variables }, { failure: '下单失败', offline: (v) => queued.push(v), say })
    settle({ payload: undefined, error: refused, variables }, { failure: '下单失败', offline: (v) => queued.push(v), say })
    expect(queued).toEqual([variables])
    expect(toasts).toEqual(['下单失败'])
  })
})

// The composable over a real urql client and a GraphQL server in the test (graphql-js).
const schema = buildSchema(`
  type Listing { id: ID! title: String! }
  type UserError { field: String message: String! code: String! }
  type CreateListingPayload { listing: Listing userErrors: [UserError!]! }
  input CreateListingInput { title: String! }
  type Query { ok: Boolean }
  type Mutation { createListing(input: CreateListingInput!): CreateListingPayload! }
`)
const rootValue = {
  createListing: ({ input }: { input: { title: string } }) =>
    input.title.trim()
      ? { listing: { id: 'L1', title: input.title }, userErrors: [] }
      : { listing: null, userErrors: [{ field: 'input.title', message: '请填写标题', code: 'REQUIRED' }] },
}
const CreateListing = gql<{ createListing: Payload }, { input: { title: string } }>`
  mutation CreateListing($input: CreateListingInput!) {
    createListing(input: $input) { listing { id title } userErrors { field message code } }
  }
`

function mount(fetch: typeof globalThis.fetch, offline: (variables: unknown) => void) {
  const client = new Client({ url: 'http://sannong.test/graphql', fetch, exchanges: [fetchExchange] })
  const app = createApp({}).use(urql, client)
  return app.runWithContext(() =>
    effectScope().run(() =>
      useMutationWithErrors(CreateListing, (data) => data.createListing, { failure: '发布失败', done: (p) => Boolean(p.listing), offline }),
    ),
  )!
}

describe('useMutationWithErrors', () => {
  test('the payload of a mutation that did what was asked', async () => {
    const serve = async (_url: RequestInfo | URL, init?: RequestInit) => {
      const { query, variables } = JSON.parse(String(init?.body))
      return Response.json(await graphql({ schema, source: query, variableValues: variables, rootValue }))
    }
    const create = mount(serve, () => undefined)
    const payload = await create.run({ input: { title: '玉米 500 公斤' } })
    expect(payload?.listing).toEqual({ id: 'L1', title: '玉米 500 公斤' })
    expect(create.fetching.value).toBe(false)
  })

  test('a network that fails hands the variables to the queue', async () => {
    const queued: unknown[] = []
    const create = mount(async () => {
      throw new TypeError('Failed to fetch')
    }, (variables) => queued.push(variables))
    expect(await create.run({ input: { title: '玉米' } })).toBe(null)
    expect(queued).toEqual([{ input: { title: '玉米' } }])
  })
})
