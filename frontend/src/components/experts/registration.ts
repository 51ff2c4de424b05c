// Registering for a lecture, from the hub or the lecture list: signed in first, the
// server's refusal (名额已满) told as it says it.
import { ref } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { useMutation } from '@urql/vue'
import { showToast } from 'vant'
import { RegisterForVideoSessionMutation } from '../../api/experts'
import { session } from '../../session'

export function useLectureRegistration() {
  const route = useRoute()
  const router = useRouter()
  const registering = ref<string | null>(null)
  const mutation = useMutation(RegisterForVideoSessionMutation)

  async function register(sessionId: string): Promise<void> {
    if (!session.token) return void router.push({ name: 'login', query: { next: route.fullPath } })
    registering.value = sessionId
    try {
      const result = await mutation.executeMutation({ input: { sessionId } })
      const payload = result.data?.registerForVideoSession
      if (!payload) return void showToast(result.error?.networkError ? '网络不通，请稍后再报名' : '报名失败，请稍后再试')
      if (payload.userErrors.length) return void showToast(payload.userErrors[0].message)
      showToast('报名成功，开讲前会提醒您')
    } finally {
      registering.value = null
    }
  }

  return { registering, register }
}
