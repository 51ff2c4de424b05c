// The 专家 tab in Debian's Chromium at a phone's size, against a real server with the
// demo data: asking with a photo, booking a slot (and a slot taken meanwhile), the
// video call between a farmer and the expert (two browsers with fake cameras), lectures.
//
// The app sends only its trusted documents; what an expert does (publishing a slot,
// answering, scheduling a lecture) belongs to the console, so the server here also takes
// free-form documents and the test sends those for the expert's side.
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { accessibilityProblems, api, launch, login, phoneContext, signInAs, startServer, witnessFailures } from './support.mjs'

witnessFailures(import.meta.url)

const PHOTO = fileURLToPath(new URL('../public/icon-512.png', import.meta.url))
const FARMER = '13800000001' // 王建国: no bookings in the demo
const OTHER_FARMER = '13800010003'
const EXPERT = '13800000002' // 李明华: plant protection, fruit and vegetables
const EXPERT_PASSWORD = 'zhuanjia2026'
const EXPERTS = [EXPERT, ...Array.from({ length: 11 }, (_, n) => `1380002${String(n + 1).padStart(4, '0')}`)]
// Fake camera and microphone, no permission prompt, sound without a tap.
const MEDIA_FLAGS = [
  '--no-sandbox',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
]

let server
let farmerBrowser
let expertBrowser
let page
const state = {}

before(async () => {
  server = await startServer({ documentsOnly: false })
  farmerBrowser = await launch({ args: MEDIA_FLAGS })
  expertBrowser = await launch({ args: MEDIA_FLAGS }) // the expert's own phone
  page = await (await phoneContext(farmerBrowser)).newPage()
  page.setDefaultTimeout(15_000)
  page.on('pageerror', (error) => console.error('page error:', error.message))
  await signInAs(page, server.url, FARMER)
})

after(async () => {
  await farmerBrowser?.close()
  await expertBrowser?.close()
  await server?.stop()
})

async function open(path) {
  await page.goto(`${server.url}${path}`)
}

/** A free-form document, as the expert's console would send it. */
async function gql(query, variables, token) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  })
  const body = await response.json()
  if (body.errors) throw new Error(JSON.stringify(body.errors))
  return body.data
}

function myToken() {
  return page.evaluate(() => JSON.parse(localStorage.getItem('sannong.session')).token)
}

/** An open slot starting `seconds` from now (its call window is open at once: it opens 10
 * minutes before), of the first demo expert without a clash. */
async function publishSoon(seconds) {
  const startsAt = new Date(Date.now() + seconds * 1000).toISOString()
  for (const phone of EXPERTS) {
    const expert = await login(server.url, phone, EXPERT_PASSWORD)
    const data = await gql(
      `mutation($i: PublishSlotsInput!) { publishSlots(input: $i) { slots { id startsAt } userErrors { code message } } }`,
      { i: { slots: [{ startsAt, durationMinutes: 30 }] } },
      expert.token,
    )
    if (!data.publishSlots.userErrors.length) return { expert, slot: data.publishSlots.slots[0] }
  }
  throw new Error('no demo expert could publish a slot now')
}

describe('the farmer and the experts', () => {
  test('asks an expert a question with a photo, gets an answer and marks it helpful', async () => {
    await open('/experts')
    await page.getByRole('tab', { name: '专家' }).waitFor()
    assert.equal(await page.getByRole('tab', { name: '专家' }).getAttribute('aria-selected'), 'true')
    await page.getByRole('button', { name: '拍照提问' }).click()
    await page.getByPlaceholder('如：番茄、小麦、生猪').fill('番茄')
    await page.getByPlaceholder('什么时候开始的').fill('大棚番茄叶子发黄卷曲，下部叶片有褐色斑点')
    const chooser = page.waitForEvent('filechooser')
    await page.getByLabel('拍照或选择照片').click()
    await (await chooser).setFiles(PHOTO)
    await page.locator('.van-uploader__preview').waitFor()
    await page.getByRole('button', { name: '提交问题' }).click()
    await page.getByRole('heading', { name: '番茄' }).waitFor()
    await page.getByText('等待专家解答').first().waitFor()
    const photo = page.locator('.photos img').first()
    await photo.waitFor()
    assert.match(await photo.getAttribute('src'), /^\/media\/.+\.webp$/)
    assert.ok(await photo.evaluate((img) => img.complete && img.naturalWidth > 0), 'the photo loads')

    const mine = await api(server.url, 'Questions', { filter: { mine: true } }, await myToken())
    const asked = mine.questions.edges[0].node
    assert.equal(asked.crop, '番茄')
    assert.equal(asked.specialty, 'PLANT_PROTECTION')
    assert.equal(asked.photos.length, 1)
    state.questionId = asked.id

    const expert = await login(server.url, EXPERT, EXPERT_PASSWORD)
    const answered = await gql(
      `mutation($i: AnswerQuestionInput!) { answerQuestion(input: $i) { userErrors { code } } }`,
      { i: { questionId: asked.id, text: '像是早疫病，摘除病叶，喷代森锰锌，注意通风降湿。' } },
      expert.token,
    )
    assert.deepEqual(answered.answerQuestion.userErrors, [])
    await page.reload()
    await page.getByText('像是早疫病').waitFor()
    await page.getByRole('button', { name: '有用' }).click()
    await page.getByText('提问人觉得有用').waitFor()
    const after = await api(server.url, 'Question', { id: asked.id }, await myToken())
    assert.equal(after.node.answers[0].helpful, true)

    // Answered questions are found by others without asking.
    await open('/experts/questions?q=番茄')
    await page.locator('.question').first().waitFor()
    assert.ok((await page.locator('.question').count()) > 0)
  })

  test('books an expert slot; a slot taken meanwhile is refused in Chinese', async () => {
    await open('/experts/list?specialty=PLANT_PROTECTION')
    await page.getByRole('link', { name: /李明华/ }).click()
    await page.getByText('可预约的视频咨询时间（北京时间）').waitFor()
    const slots = page.locator('button.slot')
    await slots.first().waitFor()
    const expertId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop())
    const shown = await api(server.url, 'Expert', { id: expertId })
    const openIds = shown.consultationSlots.edges.map((edge) => edge.node.id)
    // Shown by Beijing day, in start order.
    assert.deepEqual(await slots.evaluateAll((buttons) => buttons.map((b) => b.dataset.slot)), openIds)

    // Someone else books the second slot while this phone shows it as open.
    const taken = openIds[1]
    const other = await login(server.url, OTHER_FARMER)
    const booked = await api(
      server.url,
      'BookConsultation',
      { input: { slotId: taken, topic: '葡萄霜霉病', idempotencyKey: `other-${Date.now()}` } },
      other.token,
    )
    assert.deepEqual(booked.bookConsultation.userErrors, [])
    await page.locator(`button[data-slot="${taken}"]`).click()
    await page.getByPlaceholder('如：大棚番茄叶子卷曲').fill('番茄叶子卷曲')
    await page.getByRole('button', { name: '确认预约' }).click()
    await page.getByText('该时段已被预约').first().waitFor()
    await page.locator(`button[data-slot="${taken}"]`).waitFor({ state: 'detached' })

    await page.locator(`button[data-slot="${openIds[0]}"]`).click()
    await page.getByPlaceholder('如：大棚番茄叶子卷曲').fill('番茄叶子卷曲')
    await page.getByPlaceholder('让专家提前了解情况').fill('三十亩大棚，上周开始')
    await page.getByText('关联我的提问').click() // the question asked above goes with it
    await page.locator('.van-picker-column__item', { hasText: '番茄：' }).click()
    await page.getByRole('button', { name: '确认', exact: true }).click()
    await page.locator('.book .van-cell__value', { hasText: '番茄：大棚番茄' }).waitFor()
    await page.getByRole('button', { name: '确认预约' }).click()
    await page.getByRole('heading', { name: '番茄叶子卷曲' }).waitFor()
    await page.getByText('已预约').first().waitFor()
    await page.getByText(/视频通话在开始前10分钟开放/).waitFor()

    const mine = await api(server.url, 'MyConsultations', { status: 'BOOKED' }, await myToken())
    const consultations = mine.myConsultations.edges.map((edge) => edge.node)
    assert.equal(consultations.length, 1)
    assert.equal(consultations[0].topic, '番茄叶子卷曲')
    assert.equal(consultations[0].description, '三十亩大棚，上周开始')
    state.bookedId = consultations[0].id
    const detail = await api(server.url, 'Consultation', { id: state.bookedId }, await myToken())
    assert.equal(detail.node.question?.id, state.questionId)
    await page.getByRole('link', { name: /相关提问：番茄/ }).waitFor()

    // The call screen of a consultation not yet near says when it opens.
    await open(`/consultations/${encodeURIComponent(state.bookedId)}/call`)
    await page.getByText(/开放（开始前10分钟）/).waitFor()
    assert.equal(await page.getByRole('button', { name: '进入视频通话' }).count(), 0)
  })

  test('the farmer and the expert see each other in the video call', async () => {
    const { expert, slot } = await publishSoon(20) // booked at once, started before the last test
    state.callStartsAt = Date.parse(slot.startsAt)
    state.callExpert = expert
    const booking = await api(
      server.url,
      'BookConsultation',
      { input: { slotId: slot.id, topic: '小麦条锈病', idempotencyKey: `call-${Date.now()}` } },
      await myToken(),
    )
    assert.deepEqual(booking.bookConsultation.userErrors, [])
    const id = booking.bookConsultation.consultation.id
    state.callId = id

    // The farmer's list shows it live with its call button; the expert joins from the console's link.
    await open('/consultations')
    const card = page.locator('article.consultation', { hasText: '小麦条锈病' })
    await card.getByRole('button', { name: '进入视频通话' }).click()
    await page.waitForURL((url) => url.pathname.endsWith('/call'))
    await page.getByRole('button', { name: '进入视频通话' }).click()
    await page.getByText(/等待.+进入通话/).waitFor()

    const expertPage = await (await phoneContext(expertBrowser)).newPage()
    expertPage.setDefaultTimeout(20_000)
    expertPage.on('pageerror', (error) => console.error('expert page error:', error.message))
    await signInAs(expertPage, server.url, expert.user.phone, EXPERT_PASSWORD)
    await expertPage.goto(`${server.url}/consultations/${encodeURIComponent(id)}/call`)
    await expertPage.getByRole('button', { name: '进入视频通话' }).click()

    const remotePlays = (p) =>
      p.waitForFunction(
        () => {
          const video = document.querySelector('video.remote')
          return video && video.readyState >= 2 && video.videoWidth > 0
        },
        null,
        { timeout: 20_000 },
      )
    await Promise.all([remotePlays(page), remotePlays(expertPage)])
    for (const p of [page, expertPage]) {
      await p.getByText('已接通').waitFor()
      const local = await p.evaluate(() => document.querySelector('video.local').videoWidth)
      assert.ok(local > 0, 'one sees oneself too')
    }
    state.expertPage = expertPage

    // The expert hangs up: the farmer is told.
    await expertPage.getByRole('button', { name: '挂断' }).click()
    await page.getByText('对方已挂断').waitFor()
    await expertPage.waitForURL((url) => !url.pathname.endsWith('/call'))
    await page.getByRole('button', { name: '挂断' }).click()
    await page.waitForURL((url) => !url.pathname.endsWith('/call'))
  })

  test('a phone without a camera is told so in Chinese and still sees the expert', async () => {
    const bare = await launch() // no fake devices: this phone has no camera or microphone
    try {
      const farmerPage = await (await phoneContext(bare)).newPage()
      farmerPage.setDefaultTimeout(20_000)
      await signInAs(farmerPage, server.url, FARMER)
      const path = `/consultations/${encodeURIComponent(state.callId)}/call`
      await farmerPage.goto(`${server.url}${path}`)
      await farmerPage.getByRole('button', { name: '进入视频通话' }).click()
      const problem = farmerPage.getByRole('alert').filter({ hasText: '您仍能看到和听到对方' })
      await problem.waitFor()
      assert.match(await problem.textContent(), /摄像头|麦克风/)

      await state.expertPage.goto(`${server.url}${path}`)
      await state.expertPage.getByRole('button', { name: '进入视频通话' }).click()
      await farmerPage.waitForFunction(() => {
        const video = document.querySelector('video.remote')
        return video && video.readyState >= 2 && video.videoWidth > 0
      })
      await farmerPage.getByText('已接通').waitFor()
      await state.expertPage.getByText('已接通').waitFor()
      await state.expertPage.getByRole('button', { name: '挂断' }).click()
      await farmerPage.getByText('对方已挂断').waitFor()
    } finally {
      await bare.close()
    }
  })

  test('registers for a lecture; a full one says so', async () => {
    const expert = await login(server.url, '13800020001', EXPERT_PASSWORD)
    const startsAt = new Date(Date.now() + 3 * 86_400_000).toISOString()
    const scheduled = await gql(
      `mutation($i: ScheduleVideoSessionInput!) { scheduleVideoSession(input: $i) { videoSession { id } userErrors { code message } } }`,
      { i: { title: '测土配方施肥小课堂', startsAt, durationMinutes: 60, streamUrl: 'https://live.sannong.test/a', capacity: 1 } },
      expert.token,
    )
    assert.deepEqual(scheduled.scheduleVideoSession.userErrors, [])
    const full = scheduled.scheduleVideoSession.videoSession.id
    const other = await login(server.url, OTHER_FARMER)
    const taken = await api(server.url, 'RegisterForVideoSession', { input: { sessionId: full } }, other.token)
    assert.deepEqual(taken.registerForVideoSession.userErrors, [])

    await open('/lectures')
    const fullCard = page.locator(`article.lecture[data-id="${full}"]`)
    await fullCard.scrollIntoViewIfNeeded()
    await fullCard.getByText('名额已满').waitFor()
    const first = page.locator('article.lecture', { has: page.getByRole('button', { name: '报名' }) }).first()
    const lectureId = await first.getAttribute('data-id')
    await first.getByRole('button', { name: '报名' }).click()
    await page.locator(`article.lecture[data-id="${lectureId}"]`).getByText('已报名', { exact: true }).waitFor()
    const lectures = await api(server.url, 'VideoSessions', { upcomingOnly: true }, await myToken())
    assert.equal(lectures.videoSessions.edges.find((edge) => edge.node.id === lectureId).node.registered, true)

    await page.getByRole('tab', { name: '全部（含回放）' }).click()
    await page.getByRole('link', { name: '看回放' }).first().waitFor()
  })
})

describe('every experts screen', () => {
  test('has no serious or critical accessibility problems', async () => {
    const experts = await api(server.url, 'Experts', { specialty: null })
    const screens = [
      ['/experts', '拍照提问'],
      ['/experts/ask', '提交问题'],
      ['/experts/questions', '拍照问专家'],
      [`/experts/questions/${encodeURIComponent(state.questionId)}`, '像是早疫病'],
      ['/experts/list', '全部'],
      [`/experts/${encodeURIComponent(experts.experts.edges[0].node.id)}`, '可预约的视频咨询时间'],
      ['/consultations', '待进行'],
      [`/consultations/${encodeURIComponent(state.bookedId)}`, '咨询内容'],
      [`/consultations/${encodeURIComponent(state.bookedId)}/call`, '开放'],
      ['/lectures', '即将开讲'],
    ]
    const problems = []
    for (const [path, text] of screens) {
      await open(path)
      await page.getByText(text).first().waitFor()
      await page.waitForTimeout(300)
      for (const problem of await accessibilityProblems(page)) problems.push({ path, ...problem })
    }
    // The call itself, connected, on the expert's phone.
    const expertPage = state.expertPage
    await expertPage.goto(`${server.url}/consultations/${encodeURIComponent(state.callId)}/call`)
    await expertPage.getByRole('button', { name: '进入视频通话' }).click()
    await expertPage.getByRole('button', { name: '挂断' }).waitFor()
    for (const problem of await accessibilityProblems(expertPage)) problems.push({ path: 'call', ...problem })
    assert.deepEqual(problems, [])
  })
})

describe('my consultations', () => {
  test('change live: the expert cancels and the farmer sees it without a reload', async () => {
    await open('/consultations')
    const card = page.locator('article.consultation', { hasText: '番茄叶子卷曲' })
    await card.waitFor()
    const expert = await login(server.url, EXPERT, EXPERT_PASSWORD)
    const cancelled = await gql(
      `mutation($i: CancelConsultationInput!) { cancelConsultation(input: $i) { userErrors { code } } }`,
      { i: { consultationId: state.bookedId, reason: '临时下乡，改天再约' } },
      expert.token,
    )
    assert.deepEqual(cancelled.cancelConsultation.userErrors, [])
    await page.getByText('咨询「番茄叶子卷曲」：已取消').waitFor()
    await card.waitFor({ state: 'detached' }) // no longer among the upcoming ones
    await page.getByRole('tab', { name: '全部' }).click()
    await page.locator('article.consultation[data-status="CANCELLED"]', { hasText: '番茄叶子卷曲' }).click()
    await page.getByText('已取消：临时下乡，改天再约').waitFor()
  })
})

describe('after the call', () => {
  test("the farmer reads the expert's advice and rates the consultation", async () => {
    // Advice is written after the start: the call's slot began 20 s after it was published.
    const wait = state.callStartsAt + 1000 - Date.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    const completed = await gql(
      `mutation($i: CompleteConsultationInput!) { completeConsultation(input: $i) { userErrors { code message } } }`,
      { i: { consultationId: state.callId, advice: '条锈病初期：每亩用15%三唑酮可湿性粉剂60克兑水喷雾，七天后再看。' } },
      state.callExpert.token,
    )
    assert.deepEqual(completed.completeConsultation.userErrors, [])
    await open(`/consultations/${encodeURIComponent(state.callId)}`)
    await page.getByText('专家建议').waitFor()
    await page.getByText('每亩用15%三唑酮').waitFor()
    await page.locator('.van-rate__item').nth(3).click()
    await page.getByText('4 星').waitFor()
    await page.getByPlaceholder('说说专家的建议有没有用').fill('讲得很明白')
    await page.getByRole('button', { name: '提交评价' }).click()
    await page.getByText('我的评价').waitFor()
    const rated = await api(server.url, 'Consultation', { id: state.callId }, await myToken())
    assert.deepEqual([rated.node.rating.stars, rated.node.rating.comment], [4, '讲得很明白'])
    assert.equal(await page.getByRole('button', { name: '提交评价' }).count(), 0, 'rated once')
  })
})
