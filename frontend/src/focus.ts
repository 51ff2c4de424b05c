// Screens whose data changes without a subscription (a ticket's replies, a notice edited
// or withdrawn) ask again when the phone comes back to the app: the screen turned on,
// the browser brought to the front.
import { onActivated, onDeactivated, onMounted, onUnmounted } from 'vue'
import { network } from './network'

export function useRefetchOnFocus(refetch: () => void): void {
  const onVisible = (): void => {
    if (document.visibilityState === 'visible' && network.online) refetch()
  }
  const listen = (): void => document.addEventListener('visibilitychange', onVisible)
  const stop = (): void => document.removeEventListener('visibilitychange', onVisible)
  onMounted(listen)
  onActivated(listen) // kept-alive screens listen only while shown
  onDeactivated(stop)
  onUnmounted(stop)
}
