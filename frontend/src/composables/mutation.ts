// Running a mutation and telling its outcome: the first of its userErrors as a toast (and
// each beside its field, for forms), a failure text when no answer came, or a queue for
// writes that wait for the network.
import { useMutation, type AnyVariables, type CombinedError, type TypedDocumentNode } from '@urql/vue'
import type { Ref } from 'vue'
import { showToast } from 'vant'

export interface UserError {
  field?: string | null
  message: string
}

export interface Payload {
  userErrors: readonly UserError[]
}

export interface Telling<P extends Payload, Variables> {
  /** Said when no answer came, or the answer did not do what was asked: a text, or one
   * chosen by the error (null: say nothing). */
  failure: string | ((error: CombinedError | undefined) => string | null)
  /** Whether the answer did what was asked; by default, any payload without userErrors. */
  done?: (payload: P) => boolean
  /** A form: each userError's message also goes beside its field, under `key(error)`. */
  fields?: { into: Record<string, string> | (() => Record<string, string>); key: (error: UserError) => string }
  /** How a message is told: a toast, unless the screen shows it in place. */
  say?: (message: string) => void
  /** The screen lists every userError itself (a form's problems above its button): no toast for them. */
  listed?: (errors: P['userErrors']) => void
  /** A write that may wait for the network: handed here when the network failed, no toast. */
  offline?: (variables: Variables) => void
}

/** An error's field path, last part (`input.title` → `title`), or `fallback` when it has none. */
export const lastPart =
  (fallback: string) =>
  (error: UserError): string =>
    error.field?.split('.').pop() ?? fallback

/** An error's field path, first part (`price.amount` → `price`), or `fallback`. */
export const firstPart =
  (fallback: string) =>
  (error: UserError): string =>
    error.field?.split('.')[0] ?? fallback

/** A failure text by cause: the network, or anything else. */
export const byCause =
  (network: string, other: string) =>
  (error: CombinedError | undefined): string =>
    error?.networkError ? network : other

/** The server's own message for a GraphQL error, else `fallback`. */
export const serverOr =
  (fallback: string) =>
  (error: CombinedError | undefined): string =>
    error?.graphQLErrors[0]?.message ?? fallback

/** The payload when the mutation did what was asked, else null, with the reason told. */
export function settle<P extends Payload, Variables>(
  answer: { payload: P | null | undefined; error?: CombinedError; variables: Variables },
  telling: Telling<P, Variables>,
): P | null {
  const { payload, error } = answer
  const say = telling.say ?? showToast
  if (error?.networkError && telling.offline) {
    telling.offline(answer.variables)
    return null
  }
  if (payload?.userErrors.length) {
    if (telling.fields) {
      const { into, key } = telling.fields
      const fields = typeof into === 'function' ? into() : into
      for (const userError of payload.userErrors) fields[key(userError)] = userError.message
    }
    if (telling.listed) telling.listed(payload.userErrors)
    else say(payload.userErrors[0].message)
    return null
  }
  if (!payload || (telling.done && !telling.done(payload))) {
    const message = typeof telling.failure === 'string' ? telling.failure : telling.failure(error)
    if (message !== null) say(message)
    return null
  }
  return payload
}

export interface MutationWithErrors<P extends Payload, Variables> {
  /** Sends it; the payload when it did what was asked, else null (the reason is told).
   * `also` adds to the telling for this one call (the outbox label of what it sends). */
  run: (variables: Variables, also?: Partial<Telling<P, Variables>>) => Promise<P | null>
  fetching: Ref<boolean>
}

export function useMutationWithErrors<Data, Variables extends AnyVariables, P extends Payload>(
  document: TypedDocumentNode<Data, Variables>,
  payloadOf: (data: Data) => P | null | undefined,
  telling: Telling<P, Variables>,
): MutationWithErrors<P, Variables> {
  const mutation = useMutation<Data, Variables>(document)
  return {
    fetching: mutation.fetching,
    async run(variables, also) {
      const result = await mutation.executeMutation(variables)
      const payload = result.data ? payloadOf(result.data) : undefined
      return settle({ payload, error: result.error, variables }, { ...telling, ...also })
    },
  }
}
