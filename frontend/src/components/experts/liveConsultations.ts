// consultationUpdated while a consultations screen is open: the cache takes the new
// state (and refetches the lists), and the person is told in a line at the top: the new
// step, or the other party's new message.
import { computed } from 'vue'
import { useSubscription } from '@urql/vue'
import { notify } from '../../notify'
import { ConsultationUpdatedSubscription } from '../../api/experts'
import { CONSULTATION_STATUS } from '../../experts'
import { session } from '../../session'

// The hub stays alive (keep-alive) beside the screen open now: one line per change.
const lastTold = new Map<string, { step: string; message: string }>()

export function useLiveConsultations(): void {
  useSubscription(
    { query: ConsultationUpdatedSubscription, pause: computed(() => !session.token) },
    (_previous, event) => {
      const consultation = event.consultationUpdated
      const last = consultation.messages.at(-1)
      const now = { step: `${consultation.status} ${consultation.updatedAt}`, message: last?.id ?? '' }
      const before = lastTold.get(consultation.id)
      lastTold.set(consultation.id, now)
      // A message is newer than the consultation's last step (sending one is not a step).
      const newMessage = last && !last.fromMe && new Date(last.sentAt) > new Date(consultation.updatedAt) && before?.message !== now.message
      if (newMessage) {
        notify({ type: 'primary', message: `${last.author?.name ?? ''}留言：${last.text.slice(0, 30)}`, duration: 4000 })
      } else if (before?.step !== now.step) {
        notify({
          type: 'primary',
          message: `咨询「${consultation.topic}」：${CONSULTATION_STATUS[consultation.status] ?? ''}`,
          duration: 3000,
        })
      }
      return event
    },
  )
}
