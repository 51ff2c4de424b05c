// The console of experts and platform admins in Debian's Chromium, at a desk (1366×768,
// in a browser set to Berlin time: the console keeps Beijing time) and on a phone
// (390×844), against a real server with the demo data. Farmers act through the API.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { accessibilityProblems, launch, phoneContext, signInAs, startServer, witnessFailures } from './support.mjs'

witnessFailures(import.meta.url)

const PHOTO = fileURLToPath(new URL('../public/icon-192.png', import.meta.url))
const EXPERT = ['13800000002', 'zhuanjia2026'] // 李明华: plant protection, fruit and vegetables
const PLATFORM = ['13800000004', 'pingtai2026'] // 刘志刚, platform admin of the province
const DESK = { width: 1366, height: 768 }
const EXPERT_SCREENS = ['expert/slots', 'expert/bookings', 'expert/questions', 'expert/lectures', 'expert/profile']
const PLATFORM_SCREENS = ['platform/regions', 'platform/users', 'platform/stats']

let server
let browser
let desk
let page
const suffix = String(Date.now()).slice(-7)
const farmerPhone = `1390${suffix}`
const newcomerPhone = `1391${suffix}`
const farmerPassword = 'tian2026ok'
let farmer // { token, user }
let expertToken
let booking // the consultation the farmer booked
let slotStart // Date of its start

/** Any query over HTTP: this server also takes free-form documents (documentsOnly: false). */
async function gql(query, variables = {}, token = null) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  })
  return response.json()
}

async function must(query, variables, token) {
  const body = await gql(query, variables, token)
  assert.equal(body.errors, undefined, JSON.stringify(body.errors))
  return body.data
}

async function signIn(phone, password) {
  const data = await must(
    `mutation($i: LoginInput!) { login(input: $i) { token user { id } userErrors { message } } }`,
    { i: { phone, password } },
  )
  assert.ok(data.login.token, JSON.stringify(data.login.userErrors))
  return data.login
}

async function register(phone, name, villageId) {
  const data = await must(
    `mutation($i: RegisterInput!) { register(input: $i) { token user { id } userErrors { message } } }`,
    { i: { phone, password: farmerPassword, name, villageId } },
  )
  assert.ok(data.register.token, JSON.stringify(data.register.userErrors))
  return data.register
}

/** A multipart GraphQL request with one photo as `variables.i.photos.0`. */
async function withPhoto(query, input, token) {
  const form = new FormData()
  form.set('operations', JSON.stringify({ query, variables: { i: { ...input, photos: [null] } } }))
  form.set('map', JSON.stringify({ 0: ['variables.i.photos.0'] }))
  form.set('0', new Blob([readFileSync(PHOTO)], { type: 'image/png' }), 'crop.png')
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'GraphQL-Preflight': '1' },
    body: form,
  })
  const body = await response.json()
  assert.equal(body.errors, undefined, JSON.stringify(body.errors))
  return body.data
}

const china = (date, parts) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', hourCycle: 'h23', ...parts }).format(date)
const chinaDay = (date) => china(date, { year: 'numeric', month: '2-digit', day: '2-digit' })
const chinaTime = (date) => china(date, { hour: '2-digit', minute: '2-digit' })

async function open(target, path) {
  await target.goto(`${server.url}/console/${path}`)
}

async function noSeriousProblems(target, where) {
  const problems = await accessibilityProblems(target)
  assert.deepEqual(problems, [], `${where}: ${JSON.stringify(problems, null, 1)}`)
}

async function fitsWidth(target, width, where) {
  const scroll = await target.evaluate(() => document.documentElement.scrollWidth)
  assert.ok(scroll <= width, `${where} scrolls sideways: ${scroll} px wide`)
}

before(async () => {
  server = await startServer({ documentsOnly: false })
  browser = await launch()
  desk = await browser.newContext({ viewport: DESK, locale: 'zh-CN', timezoneId: 'Europe/Berlin' })
  page = await desk.newPage()
  page.setDefaultTimeout(15_000)
  page.on('pageerror', (error) => console.error('page error:', error.message))
  expertToken = (await signIn(...EXPERT)).token
  const served = await must('{ myExpertProfile { regions { id } } }', {}, expertToken)
  const villages = await must(
    'query($p: ID) { regions(parentId: $p, level: VILLAGE) { id } }',
    { p: served.myExpertProfile.regions[0].id },
  )
  farmer = await register(farmerPhone, '测试种植户', villages.regions[0].id)
  await register(newcomerPhone, '新来的技术员', villages.regions[0].id)
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

describe('the expert at a desk', () => {
  test('publishes slots, and an overlapping batch is refused with the reason and the slot', async () => {
    await signInAs(page, server.url, ...EXPERT)
    await open(page, 'expert/slots')
    await page.getByRole('heading', { name: '批量发布时段' }).waitFor()
    // Seven columns side by side at a desk.
    const days = page.locator('.day')
    assert.equal(await days.count(), 7)
    const [monday, sunday] = [await days.nth(0).boundingBox(), await days.nth(6).boundingBox()]
    assert.equal(Math.round(monday.y), Math.round(sunday.y))
    assert.ok(sunday.x > monday.x + 600)

    // A slot starting a minute or two from now, so the booking can be held in this test.
    slotStart = new Date(Math.ceil((Date.now() + 70_000) / 60_000) * 60_000)
    const day = chinaDay(slotStart)
    const time = chinaTime(slotStart)
    await page.locator('input[name=start]').fill(day)
    await page.locator('input[name=times]').fill(time)
    await page.locator('select[name=minutes]').selectOption('15')
    await page.getByText('将发布 1 个时段').waitFor()
    await page.getByRole('button', { name: '发布', exact: true }).click()
    await page.getByText('已发布 1 个时段').waitFor()
    await page.locator(`.day[data-day="${day}"] .chip`, { hasText: time }).waitFor()

    // The same time again, plus a later one: refused whole, each refusal naming the slot.
    // The later one is on the same Beijing day (the form's times share its date), so in
    // the last half hour before midnight there is none.
    const laterAt = new Date(slotStart.getTime() + 20 * 60_000)
    const later = chinaDay(laterAt) === day ? chinaTime(laterAt) : null
    await page.locator('input[name=times]').fill(later ? `${time} ${later}` : time)
    await page.getByRole('button', { name: '发布', exact: true }).click()
    const refusal = page.locator('.refusals')
    await refusal.waitFor()
    const text = await refusal.textContent()
    assert.match(text, /重叠/)
    assert.ok(text.includes(`与已发布的时段`) && text.includes(time), text)
    const stored = await must(
      `query($e: ID!, $from: DateTime) { consultationSlots(expertId: $e, from: $from, openOnly: false, first: 100) {
        edges { node { startsAt } } } }`,
      { e: (await must('{ myExpertProfile { id } }', {}, expertToken)).myExpertProfile.id, from: new Date().toISOString() },
      expertToken,
    )
    const starts = stored.consultationSlots.edges.map((edge) => chinaTime(new Date(edge.node.startsAt)) + chinaDay(new Date(edge.node.startsAt)))
    if (later) assert.ok(!starts.includes(later + day), 'nothing of the refused batch was stored')

    // A repeating batch next week: the preview counts it before it is sent.
    await page.locator('input[name=times]').fill('21:00 21:30')
    await page.locator('input[name=start]').fill(chinaDay(new Date(Date.now() + 8 * 86400_000)))
    await page.getByRole('checkbox', { name: '周二' }).check()
    await page.getByRole('checkbox', { name: '周四' }).check()
    await page.locator('select[name=weeks]').selectOption('2')
    const planned = Number((await page.getByText(/将发布 \d+ 个时段/).textContent()).match(/\d+/)[0])
    assert.ok(planned >= 8 && planned <= 10, `planned ${planned}`)
    await page.getByRole('button', { name: '发布', exact: true }).click()
    await page.getByText(`已发布 ${planned} 个时段`).waitFor()
  })

  test('sees a farmer\'s booking with its description and photo', async () => {
    const expertId = (await must('{ myExpertProfile { id } }', {}, expertToken)).myExpertProfile.id
    const slots = await must(
      `query($e: ID!) { consultationSlots(expertId: $e, first: 5) { edges { node { id startsAt } } } }`,
      { e: expertId },
    )
    const slot = slots.consultationSlots.edges.map((edge) => edge.node).find((node) => new Date(node.startsAt).getTime() === slotStart.getTime())
    assert.ok(slot, 'the published slot is open for booking')
    const booked = await withPhoto(
      `mutation($i: BookConsultationInput!) { bookConsultation(input: $i) {
        consultation { id status } userErrors { message } } }`,
      { slotId: slot.id, topic: '番茄叶片卷曲', description: '叶子从下往上卷，有黄斑', crop: '番茄', idempotencyKey: `e2e-${suffix}` },
      farmer.token,
    )
    assert.deepEqual(booked.bookConsultation.userErrors, [])
    booking = booked.bookConsultation.consultation

    await open(page, 'expert/slots')
    await page.locator(`.day[data-day="${chinaDay(slotStart)}"] .who`, { hasText: '番茄叶片卷曲' }).click()
    await page.waitForURL(/expert\/bookings/)
    const card = page.locator(`[id="booking-${booking.id}"]`)
    await card.getByText('叶子从下往上卷，有黄斑').waitFor()
    await card.getByText('测试种植户').first().waitFor()
    // The call: a link to the call screen once it exists, a disabled button until then.
    await card.getByText(/视频通话/).waitFor()
    await card.getByRole('button', { name: '查看第 1 张照片' }).click()
    await page.locator('.van-image-preview').waitFor()
    await page.locator('.van-image-preview img').first().waitFor()
    await page.keyboard.press('Escape')
    await page.locator('.van-image-preview__close-icon').click({ timeout: 2000 }).catch(() => {})
    await page.locator('.van-image-preview').waitFor({ state: 'hidden' })
  })
})

describe('questions', () => {
  test('the expert answers from the queue and the farmer is told', async () => {
    const asked = await must(
      `mutation($i: AskQuestionInput!) { askQuestion(input: $i) { question { id } userErrors { message } } }`,
      { i: { specialty: 'PLANT_PROTECTION', crop: '黄瓜', text: `黄瓜叶片背面有白霉（测试${suffix}）` } },
      farmer.token,
    )
    assert.deepEqual(asked.askQuestion.userErrors, [])
    await open(page, 'expert/questions')
    await page.locator('select[name=status]').selectOption('UNANSWERED')
    const card = page.locator('article', { hasText: `测试${suffix}` })
    await card.waitFor()
    await card.locator('textarea').fill('这是霜霉病，摘除病叶，用烯酰吗啉喷雾，注意通风降湿。')
    await card.getByRole('button', { name: '提交回答' }).click()
    await page.getByText('已回答，农户会收到通知').waitFor()
    const inbox = await must('{ myNotifications(first: 10) { edges { node { kind title body } } } }', {}, farmer.token)
    const told = inbox.myNotifications.edges.map((edge) => edge.node)
    assert.ok(told.some((n) => n.kind === 'QUESTION_ANSWERED'), JSON.stringify(told))
  })
})

describe('lectures', () => {
  test('the expert schedules a lecture and sees who registered', async () => {
    const title = `番茄病害防治讲座${suffix}`
    await open(page, 'expert/lectures')
    await page.locator('input[name=title]').fill(title)
    await page.locator('input[name=day]').fill(chinaDay(new Date(Date.now() + 4 * 86400_000)))
    await page.locator('input[name=time]').fill('19:30')
    await page.locator('input[name=streamUrl]').fill('https://live.example.cn/room/7')
    await page.getByRole('button', { name: '安排讲座', exact: true }).click()
    await page.getByText('讲座已安排').waitFor()
    const row = page.locator('tr', { hasText: title })
    await row.getByText('0 / 200 人').waitFor()
    const lectures = await must('{ videoSessions(first: 50) { edges { node { id title } } } }')
    const lecture = lectures.videoSessions.edges.map((edge) => edge.node).find((node) => node.title === title)
    await must(
      'mutation($i: RegisterForVideoSessionInput!) { registerForVideoSession(input: $i) { userErrors { message } } }',
      { i: { sessionId: lecture.id } },
      farmer.token,
    )
    await page.reload()
    await row.getByText('1 / 200 人').waitFor()
    await row.getByText('报名名单').click()
    await row.getByText('测试种植户').waitFor()
  })
})

describe('the platform admin', () => {
  test('finds a person by phone and makes them an expert', async () => {
    const admin = await browser.newPage({ viewport: DESK, locale: 'zh-CN' })
    await signInAs(admin, server.url, ...PLATFORM)
    await open(admin, 'platform/users')
    await admin.locator('input[name=text]').fill(newcomerPhone)
    await admin.getByRole('button', { name: '查找' }).click()
    const row = admin.locator(`tr[data-phone="${newcomerPhone}"]`)
    await row.waitFor()
    await row.getByRole('button', { name: '设置角色' }).click()
    await admin.getByRole('radio', { name: '专家' }).check()
    await noSeriousProblems(admin, 'the role dialog')
    await admin.getByRole('button', { name: '下一步' }).click()
    await admin.getByText(`将 新来的技术员（${newcomerPhone}）设为专家`).waitFor()
    await admin.getByRole('button', { name: '确认', exact: true }).click()
    await admin.getByText('新来的技术员 已设为专家').waitFor()
    await row.getByText('专家', { exact: true }).waitFor()
    const adminToken = (await signIn(...PLATFORM)).token
    const found = await must('query($t: String) { users(filter: { text: $t }) { edges { node { role } } } }', { t: newcomerPhone }, adminToken)
    assert.equal(found.users.edges[0].node.role, 'EXPERT')

    await open(admin, 'platform/stats')
    await admin.getByRole('heading', { name: '视频咨询（按月）' }).waitFor()
    await admin.locator('canvas').first().waitFor()
    await admin.getByRole('table', { name: /视频咨询/ }).waitFor()
    await admin.close()
  })
})

describe('the expert after the start', () => {
  test('completes the consultation with advice, and the farmer reads it', async () => {
    const wait = slotStart.getTime() - Date.now() + 1500
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    await open(page, `expert/bookings?focus=${encodeURIComponent(booking.id)}`)
    const card = page.locator('article.focused')
    const advice = '下部老叶卷曲是生理性卷叶，白天注意遮阴，均匀浇水，叶面喷施钙肥。'
    await card.getByLabel('咨询建议（农户可见）').fill(advice) // the card also has the message thread's field
    await card.getByRole('button', { name: '提交建议并完成' }).click()
    await page.getByText('已完成，农户可以看到您的建议').waitFor()
    const mine = await must(
      '{ myConsultations(status: COMPLETED, first: 5) { edges { node { id advice status } } } }',
      {},
      farmer.token,
    )
    const done = mine.myConsultations.edges.map((edge) => edge.node).find((node) => node.id === booking.id)
    assert.deepEqual(done, { id: booking.id, advice, status: 'COMPLETED' })
  })

  test('every expert screen passes the accessibility scan at a desk', async () => {
    for (const screen of EXPERT_SCREENS) {
      await open(page, screen)
      await page.locator('.content h1').waitFor()
      await page.waitForLoadState('networkidle')
      await noSeriousProblems(page, screen)
    }
  })
})

describe('on a phone', () => {
  test('the expert and the platform admin screens fit and pass the scan', async () => {
    const context = await phoneContext(browser)
    const phone = await context.newPage()
    phone.setDefaultTimeout(15_000)
    await signInAs(phone, server.url, ...EXPERT)
    await open(phone, 'expert/slots')
    await phone.getByRole('heading', { name: '批量发布时段' }).waitFor()
    // A list of days on a phone: Tuesday below Monday.
    const [monday, tuesday] = [await phone.locator('.day').nth(0).boundingBox(), await phone.locator('.day').nth(1).boundingBox()]
    assert.ok(tuesday.y > monday.y && Math.abs(tuesday.x - monday.x) < 2)
    for (const screen of EXPERT_SCREENS) {
      await open(phone, screen)
      await phone.locator('.content h1').waitFor()
      await phone.waitForLoadState('networkidle')
      await fitsWidth(phone, 390, screen)
      await noSeriousProblems(phone, `phone ${screen}`)
    }
    await signInAs(phone, server.url, ...PLATFORM)
    for (const screen of PLATFORM_SCREENS) {
      await open(phone, screen)
      await phone.locator('.content h1').waitFor()
      await phone.waitForLoadState('networkidle')
      await fitsWidth(phone, 390, screen)
      await noSeriousProblems(phone, `phone ${screen}`)
    }
    await context.close()
  })

  test('the platform screens pass the scan at a desk', async () => {
    await signInAs(page, server.url, ...PLATFORM)
    await open(page, 'platform/regions')
    // The admin's own region (山东省) opens by itself; one level further down.
    await page.getByRole('button', { name: '展开潍坊市' }).click()
    await page.getByText('寿光市').waitFor()
    for (const screen of PLATFORM_SCREENS) {
      await open(page, screen)
      await page.locator('.content h1').waitFor()
      await page.waitForLoadState('networkidle')
      await noSeriousProblems(page, screen)
    }
  })
})

describe('a farmer', () => {
  test('opening console URLs sees a refusal, and the API refuses the same', async () => {
    const context = await phoneContext(browser)
    const phone = await context.newPage()
    await signInAs(phone, server.url, farmerPhone, farmerPassword)
    for (const screen of ['expert/slots', 'expert/questions', 'platform/users', 'platform/stats']) {
      await open(phone, screen)
      await phone.getByText('没有权限打开这个页面').waitFor()
      await phone.getByText(/您的身份是农户/).waitFor()
    }
    await noSeriousProblems(phone, 'refusal')
    await context.close()
    const publish = await gql(
      `mutation($i: PublishSlotsInput!) { publishSlots(input: $i) { slots { id } userErrors { message } } }`,
      { i: { slots: [{ startsAt: new Date(Date.now() + 86400_000).toISOString(), durationMinutes: 30 }] } },
      farmer.token,
    )
    assert.equal(publish.errors?.[0]?.extensions?.code, 'FORBIDDEN')
    const stats = await gql('{ platformStats { turnover } }', {}, farmer.token)
    assert.equal(stats.errors?.[0]?.extensions?.code, 'FORBIDDEN')
    const grant = await gql(
      'mutation($i: GrantRoleInput!) { grantRole(input: $i) { user { id } userErrors { message } } }',
      { i: { userId: farmer.user.id, role: 'EXPERT' } },
      farmer.token,
    )
    assert.equal(grant.errors?.[0]?.extensions?.code, 'FORBIDDEN')
  })
})
