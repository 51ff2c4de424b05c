// Notices while the app is open: the unread count of the 通知 tab (read from the cache,
// which Home and the notices list fill, so it costs no request of its own) and new
// notices for my village as they are published (noticePublished), told at once.
import { computed } from 'vue'
import { useQuery, useSubscription } from '@urql/vue'
import { notify } from './notify'
import { NoticePublishedSubscription, UnreadNoticeCountQuery } from './api/notices'
import { session } from './session'

export function useNoticeUpdates() {
  const signedOut = computed(() => !session.token)
  const count = useQuery({ query: UnreadNoticeCountQuery, requestPolicy: 'cache-only', pause: signedOut })
  useSubscription(
    {
      query: NoticePublishedSubscription,
      variables: computed(() => ({ region: session.user?.villageId ?? '' })),
      pause: computed(() => !session.token || !session.user?.villageId),
    },
    (_previous, event) => {
      const notice = event.noticePublished
      notify({ type: 'primary', message: `新通知（${notice.categoryLabel}）：${notice.title}`, duration: 5000 })
      return event
    },
  )
  return computed(() => (session.token ? (count.data.value?.me?.unreadNoticeCount ?? 0) : 0))
}
