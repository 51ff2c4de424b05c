// 来不了？给专家留言: the thread between the farmer and the expert of a booking, in Debian's
// Chromium against a real server with the demo data. The farmer (王建国, on a phone) writes
// on the booking page; the expert (李明华, in the console on a second phone) reads it on the
// booking with the farmer's name and replies; the farmer's page shows the reply.
//
// The slot and the booking are set up through the API as free-form documents (the
// expert's slots belong to the console), so this server also takes those.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { SMALL_PHONE, accessibilityProblems, launch, login, phoneContext, signInAs, smallTapTargets, startServer, witnessFailures } from './support.mjs'

witnessFailures(import.meta.url)

const FARMER = '13800000001' // 王建国: no bookings in the demo
const EXPERT = ['13800000002', 'zhuanjia2026'] // 李明华

let server
let browser
let farmerPage
let expertPage
let consultationId

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

/** A booking of 李明华's that starts in a little over an hour: too late to cancel, so the
 * page offers the message instead. */
async function bookSoon() {
  const expert = await login(server.url, ...EXPERT)
  const farmer = await login(server.url, FARMER)
  for (let minutes = 65; minutes < 120; minutes += 10) {
    const startsAt = new Date(Date.now() + minutes * 60_000).toISOString()
    const published = await gql(
      `mutation($i: PublishSlotsInput!) { publishSlots(input: $i) { slots { id } userErrors { code } } }`,
      { i: { slots: [{ startsAt, durationMinutes: 15 }] } },
      expert.token,
    )
    const slot = published.publishSlots.slots[0]
    if (!slot) continue // the demo has a slot of his then
    const booked = await gql(
      `mutation($i: BookConsultationInput!) { bookConsultation(input: $i) { consultation { id } userErrors { code message } } }`,
      { i: { slotId: slot.id, topic: '番茄叶片发黄', idempotencyKey: `messages-${Date.now()}` } },
      farmer.token,
    )
    assert.deepEqual(booked.bookConsultation.userErrors, [])
    return booked.bookConsultation.consultation.id
  }
  throw new Error('no free time of 李明华 in the next two hours')
}

async function noSmallOrInaccessibleControls(page, where) {
  assert.deepEqual(await smallTapTargets(page), [], `${where}: controls under 44 px`)
  const problems = await accessibilityProblems(page)
  assert.deepEqual(problems, [], `${where}: ${JSON.stringify(problems, null, 1)}`)
}

before(async () => {
  server = await startServer({ documentsOnly: false })
  browser = await launch()
  farmerPage = await (await phoneContext(browser)).newPage()
  expertPage = await (await phoneContext(browser)).newPage()
  for (const page of [farmerPage, expertPage]) page.setDefaultTimeout(20_000)
  consultationId = await bookSoon()
  await signInAs(farmerPage, server.url, FARMER)
  await signInAs(expertPage, server.url, ...EXPERT)
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

describe('messages between the farmer and the expert of a booking', () => {
  test('the farmer who cannot come tells the expert on the booking page', async () => {
    await farmerPage.goto(`${server.url}/consultations/${encodeURIComponent(consultationId)}`)
    await farmerPage.getByRole('heading', { name: '番茄叶片发黄' }).waitFor()
    // The promise, and the thread right there.
    await farmerPage.getByText('开始前2小时内不能再取消。来不了？').waitFor()
    await farmerPage.getByRole('heading', { name: '来不了？给专家留言' }).waitFor()
    await farmerPage.getByText('还没有留言。').waitFor()
    await farmerPage.getByRole('button', { name: '给专家留言' }).click()
    const field = farmerPage.getByLabel('给专家留言（最多 200 字）')
    assert.equal(await field.evaluate((element) => element === document.activeElement), true)
    await farmerPage.getByText('还可以写 200 字').waitFor()
    await noSmallOrInaccessibleControls(farmerPage, 'booking page at 390×844')

    // Too long is said before sending, and nothing is sent.
    await field.fill('长'.repeat(210))
    await farmerPage.getByText('留言有 210 个字，最多 200 个字：请删去 10 个字再提交').waitFor()
    await field.fill('来不了，能改到明天吗')
    await farmerPage.getByRole('button', { name: '发送留言' }).click()
    const thread = farmerPage.locator('#thread')
    await thread.locator('li', { hasText: '来不了，能改到明天吗' }).getByText(/^我 · /).waitFor()
    assert.equal(await field.inputValue(), '')
  })

  test('the expert reads it on the booking in the console, with the farmer\'s name, and replies', async () => {
    await expertPage.goto(`${server.url}/console/expert/bookings`)
    const card = expertPage.locator(`[id="booking-${consultationId}"]`)
    await card.waitFor()
    await card.getByRole('heading', { name: '与王建国的留言' }).waitFor()
    const message = card.locator('li', { hasText: '来不了，能改到明天吗' })
    await message.getByText(/^王建国（农户） · /).waitFor()
    await card.getByLabel('给农户留言（最多 200 字）').fill('可以，明天上午九点')
    await card.getByRole('button', { name: '发送留言' }).click()
    await card.locator('li', { hasText: '可以，明天上午九点' }).getByText(/^我 · /).waitFor()
    const texts = await card.locator('li .text').allTextContents()
    assert.deepEqual(texts, ['来不了，能改到明天吗', '可以，明天上午九点'])
  })

  test('the farmer\'s open page shows the reply below the message, and in 我的通知', async (t) => {
    const thread = farmerPage.locator('#thread')
    // Live through consultationUpdated; a reload shows it as well when the socket is slow.
    const reply = thread.locator('li', { hasText: '可以，明天上午九点' })
    try {
      await reply.waitFor({ timeout: 15_000 })
      t.diagnostic('the reply arrived live')
    } catch {
      t.diagnostic('the reply did not arrive live in 15 s: shown after a reload')
      await farmerPage.reload()
      await reply.waitFor()
    }
    await reply.getByText(/^李明华（专家） · /).waitFor()
    assert.deepEqual(await thread.locator('li .text').allTextContents(), ['来不了，能改到明天吗', '可以，明天上午九点'])

    await farmerPage.setViewportSize(SMALL_PHONE)
    await farmerPage.reload()
    await farmerPage.locator('#thread li', { hasText: '可以，明天上午九点' }).waitFor()
    await noSmallOrInaccessibleControls(farmerPage, 'booking page at 360×640')

    await farmerPage.goto(`${server.url}/me/notifications`)
    const note = farmerPage.locator('.van-cell', { hasText: '专家给您留言' })
    await note.getByText('“番茄叶片发黄”：可以，明天上午九点').waitFor()
    await note.click()
    await farmerPage.waitForURL(/\/consultations\/[^/]+$/)
    await farmerPage.getByRole('heading', { name: '来不了？给专家留言' }).waitFor()
  })
})
