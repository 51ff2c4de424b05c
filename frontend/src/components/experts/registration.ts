// Registering for a lecture, from the hub or the lecture list: signed in first, the
// server's refusal (名额已满) told as it says it.
import { ref } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { showToast } from 'vant'
import { RegisterForVideoSessionMutation } from '../../api/experts'
import { byCause, useMutationWithErrors } from '../../composables/mutation'
import { session } from '../../session'

export function useLectureRegistration() {
  const route = useRoute()
  const router = useRouter()
  const registering = ref<string | null>(null)
  const mutation = useMutationWithErrors(RegisterForVideoSessionMutation, (data) => data.registerForVideoSession, {
    failure: byCause('网络不通，请稍后再报名', '报名失败，请稍后再试'),
  })

  async function register(sessionId: string): Promise<void> {
    if (!session.token) return void router.push({ name: 'login', query: { next: route.fullPath } })
    registering.value = sessionId
    try {
      if (await mutation.run({ input: { sessionId } })) showToast('报名成功，开讲前会提醒您')
    } finally {
      registering.value = null
    }
  }

  return { registering, register }
}
