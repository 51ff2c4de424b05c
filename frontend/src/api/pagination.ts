// How the cache joins a list's cursor pages.
import type { Cache, Resolver } from '@urql/exchange-graphcache'
import { relayPagination } from '@urql/exchange-graphcache/extras'

/** relayPagination, joining only pages of one size. Screens show windows of one list:
 * home the next 3 lectures (title and time), the experts tab the next 2 with every detail.
 * relayPagination alone joins every first page of a list, whichever query wrote it, so the
 * experts tab read home's third lecture, which lacks the fields the tab asks for, and
 * graphcache, finding required fields missing, gave the whole tab no data and no error
 * (暂无内容, once home had been shown). Pages of one size are one screen's pages. */
export function pagination(): Resolver {
  const join = relayPagination()
  return (parent, args, cache, info) => {
    const sameSize: Cache = Object.create(cache)
    sameSize.inspectFields = (entity) =>
      cache.inspectFields(entity).filter((field) => field.fieldName !== info.fieldName || (field.arguments?.first ?? null) === (args.first ?? null))
    return join(parent, args, sameSize, info)
  }
}
