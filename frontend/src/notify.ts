// Vant's Notify is a popup, and every Vant popup says role="dialog" without a name: a
// screen reader announces an unnamed dialog, and axe counts it as a serious problem. A
// message that comes by itself (an order accepted, a new notice) is a live status.
import { nextTick } from 'vue'
import { showNotify, type NotifyOptions } from 'vant'
import 'vant/es/notify/style'

export function notify(options: NotifyOptions): void {
  showNotify(options)
  void nextTick(() => {
    for (const popup of document.querySelectorAll('.van-notify[role="dialog"]')) {
      popup.setAttribute('role', options.type === 'danger' ? 'alert' : 'status')
      popup.setAttribute('aria-live', options.type === 'danger' ? 'assertive' : 'polite')
    }
  })
}
