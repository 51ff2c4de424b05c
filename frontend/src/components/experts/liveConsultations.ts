// consultationUpdated while a consultations screen is open: the cache takes the new
// state (and refetches the lists), and the person is told in a line at the top.
import { computed } from 'vue'
import { useSubscription } from '@urql/vue'
import { notify } from '../../notify'
import { ConsultationUpdatedSubscription } from '../../api/experts'
import { CONSULTATION_STATUS } from '../../experts'
import { session } from '../../session'

// The hub stays alive (keep-alive) beside the screen open now: one line per change.
let lastTold = ''

export function useLiveConsultations(): void {
  useSubscription(
    { query: ConsultationUpdatedSubscription, pause: computed(() => !session.token) },
    (_previous, event) => {
      const consultation = event.consultationUpdated
      const key = `${consultation.id} ${consultation.status} ${consultation.updatedAt}`
      if (key === lastTold) return event
      lastTold = key
      notify({
        type: 'primary',
        message: `咨询「${consultation.topic}」：${CONSULTATION_STATUS[consultation.status] ?? ''}`,
        duration: 3000,
      })
      return event
    },
  )
}
