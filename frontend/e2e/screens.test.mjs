// The app as a farmer meets it, at two phone sizes (360×640, the cheap phone, and 390×844):
// every screen and every popup and form state the farmer reaches is measured (every
// control at least 44 × 44 px, axe-core without a serious or critical finding) and read
// at 特大 text (badges and ticket numbers on one line, nothing run off the side unseen),
// and the forms never change what the farmer typed behind their back.
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { PHONE, SMALL_PHONE, accessibilityProblems, api, launch, login, phoneContext, signInAs, smallTapTargets, startServer, witnessFailures } from './support.mjs'

witnessFailures(import.meta.url)

const PHOTO = fileURLToPath(new URL('../public/icon-512.png', import.meta.url))
const FARMER = '13800000001' // 王建国 of the demo: a village, follows crops, has orders

let server
let browser
const data = {}

before(async () => {
  server = await startServer()
  browser = await launch()
  const farmer = await login(server.url, FARMER)
  data.farmerToken = farmer.token
  // A listing of someone else with 起订 10 or more (the demo's large lots).
  let after = null
  for (let n = 0; n < 10 && !data.bulk; n += 1) {
    const page = await api(server.url, 'Listings', { filter: {}, sort: 'NEWEST', after })
    const others = page.listings.edges.map((edge) => edge.node).filter((listing) => listing.seller?.id !== farmer.user.id && listing.status === 'ACTIVE')
    for (const listing of others) {
      const full = (await api(server.url, 'Listing', { id: listing.id })).node
      if (full.minOrder >= 10 && full.quantityAvailable >= full.minOrder) {
        data.bulk = full
        break
      }
    }
    after = page.listings.pageInfo.endCursor
  }
  assert.ok(data.bulk, 'the demo has a listing with 起订 10 or more')
  // A ticket of the farmer's own, for 我的反馈.
  const filed = await api(
    server.url,
    'SubmitFeedback',
    { input: { kind: 'SUGGESTION', text: '村口的路灯坏了三盏，晚上走路看不清，希望修一修。', anonymous: false, isPublic: true, noticeId: null, photos: null } },
    farmer.token,
  )
  assert.deepEqual(filed.submitFeedback.userErrors, [])
  data.ticket = filed.submitFeedback.feedback
  // Detail screens: a crop's prices, a notice, an answered question, a booked consultation.
  data.commodity = (await api(server.url, 'Commodities', { category: 'GRAIN' })).commodities[0]
  const notices = await api(server.url, 'Notices', { region: null, category: null, after: null, signedIn: true }, farmer.token)
  data.notice = notices.notices.edges[0].node
  const questions = await api(server.url, 'Questions', { filter: {} })
  data.question = questions.questions.edges.find((edge) => edge.node.answers?.length)?.node ?? questions.questions.edges[0].node
  const experts = await api(server.url, 'Experts', { specialty: null })
  for (const { node } of experts.experts.edges) {
    const slot = (await api(server.url, 'Expert', { id: node.id })).consultationSlots.edges[0]?.node
    if (!slot) continue
    const booked = await api(server.url, 'BookConsultation', { input: { slotId: slot.id, topic: '玉米叶子发黄', idempotencyKey: `screens-${Date.now()}` } }, farmer.token)
    data.consultation = booked.bookConsultation.consultation
    if (data.consultation) break
  }
  assert.ok(data.consultation, 'a demo expert has an open slot to book')
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

/** What a person sees of `selector` at every size: the screens of the farmer's app. */
function screens() {
  return [
    ['/', '本村在卖'],
    ['/prices', '玉米'],
    [`/prices/${encodeURIComponent(data.commodity.id)}`, '近30天走势'],
    ['/market', '最新发布'],
    [`/market/${encodeURIComponent(data.bulk.id)}`, '我要买'],
    ['/market/new', '发布'],
    ['/orders', '我买的'],
    ['/experts', '拍照提问'],
    ['/experts/ask', '提交问题'],
    ['/experts/questions', '拍照问专家'],
    [`/experts/questions/${encodeURIComponent(data.question.id)}`, data.question.crop],
    ['/experts/list', '全部'],
    ['/consultations', '待进行'],
    [`/consultations/${encodeURIComponent(data.consultation.id)}`, '咨询内容'],
    ['/lectures', '即将开讲'],
    ['/notices', '村务公开'],
    [`/notices/${encodeURIComponent(data.notice.id)}`, data.notice.title],
    ['/me', '文字大小'],
    ['/me/village', '更换所在村'],
    ['/me/follows', '玉米'],
    ['/me/notifications', '消息'],
    ['/me/feedback', '提交反馈'],
    ['/me/feedback/new', '反馈类型'],
    [`/me/feedback/${encodeURIComponent(data.ticket.id)}`, '办理进度'],
  ]
}

const SIGNED_OUT = [
  ['/', '最新在卖'],
  ['/login', '没有账号？注册'],
  ['/register', '已有账号？登录'],
  ['/me', '您还没有登录'],
]

/** Controls of the page no finger hits reliably, and what axe finds serious. */
async function measure(page, where, problems) {
  const small = await smallTapTargets(page)
  if (small.length) problems[`${where}: under 44 px`] = small
  const found = await accessibilityProblems(page)
  if (found.length) problems[`${where}: axe`] = found
}

/** Content cut off sideways with nothing showing there is more, and tags or numbers
 * broken over two lines: what 特大 text does to a layout made for 标准. */
async function layoutProblems(page) {
  return page.evaluate(() => {
    const problems = []
    const width = document.documentElement.clientWidth
    if (document.documentElement.scrollWidth > width + 1) problems.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${width})`)
    const lines = (element) => {
      const range = document.createRange()
      range.selectNodeContents(element)
      return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size
    }
    for (const tag of document.querySelectorAll('.van-tag')) {
      if (tag.getBoundingClientRect().width && lines(tag) > 1) problems.push(`“${tag.textContent.trim()}” breaks over ${lines(tag)} lines`)
    }
    // Ticket numbers (2026-003-000161) wherever they are written.
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.textContent.matchAll(/\d{4}-\d{3}-\d{6}/g)) {
        const range = document.createRange()
        range.setStart(node, match.index)
        range.setEnd(node, match.index + match[0].length)
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)))
        if (tops.size > 1) problems.push(`ticket number ${match[0]} breaks over ${tops.size} lines`)
      }
    }
    for (const element of document.querySelectorAll('body *')) {
      const style = getComputedStyle(element)
      if (!/(auto|scroll|hidden)/.test(style.overflowX) || element.closest('.van-swipe, .van-tabs__wrap, .visually-hidden, input, textarea')) continue
      if (element.matches('input, textarea, .van-ellipsis') || style.textOverflow === 'ellipsis' || style.webkitLineClamp !== 'none') continue
      if (element.scrollWidth > element.clientWidth + 1 && element.clientWidth > 0) {
        problems.push(`${element.className || element.tagName} hides ${element.scrollWidth - element.clientWidth} px sideways: “${element.textContent.trim().slice(0, 20)}”`)
      }
    }
    for (const badge of document.querySelectorAll('.placeholder')) {
      if (badge.scrollHeight > badge.clientHeight + 1 || badge.scrollWidth > badge.clientWidth + 1) problems.push(`badge “${badge.textContent.trim()}” is cut`)
    }
    return problems
  })
}

async function pickPhoto(page) {
  await page.locator('input[type=file]').first().setInputFiles(PHOTO)
  await page.locator('.van-uploader__preview img').first().waitFor()
}

for (const [size, viewport] of [
  ['360×640', SMALL_PHONE],
  ['390×844', PHONE],
]) {
  describe(`at ${size}`, () => {
    let context
    let page

    before(async () => {
      context = await phoneContext(browser, { viewport })
      page = await context.newPage()
      page.setDefaultTimeout(20_000)
    })

    after(async () => {
      await context?.close()
    })

    async function open(path, text) {
      await page.goto(`${server.url}${path}`)
      await page.getByText(text).first().waitFor()
      await page.waitForTimeout(300) // a list settling after its first page
    }

    test('every control of every screen is at least 44 × 44 px and axe finds nothing serious', async () => {
      const problems = {}
      await page.goto(`${server.url}/healthz`)
      await page.evaluate(() => localStorage.clear())
      for (const [path, text] of SIGNED_OUT) {
        await open(path, text)
        await measure(page, `${path} (signed out)`, problems)
      }
      await signInAs(page, server.url, FARMER)
      for (const [path, text] of screens()) {
        await open(path, text)
        await measure(page, path, problems)
      }
      assert.deepEqual(problems, {}, JSON.stringify(problems, null, 1))
    })

    test('every popup open and every form with a photo picked is measured too', async () => {
      await signInAs(page, server.url, FARMER)
      const problems = {}
      await open(`/market/${encodeURIComponent(data.bulk.id)}`, '我要买')
      await page.getByRole('button', { name: '我要买' }).click()
      await page.locator('.van-popup', { hasText: '提交订单' }).waitFor()
      await measure(page, 'buy popup', problems)

      await open('/market/new', '发布')
      await pickPhoto(page)
      await measure(page, 'post a listing, photo picked', problems)
      await page.getByText('类别', { exact: true }).click()
      await page.locator('.van-picker').waitFor()
      await page.waitForTimeout(300)
      await measure(page, 'post a listing, unit picker', problems)

      await open('/me/feedback/new', '反馈类型')
      await pickPhoto(page)
      await measure(page, 'feedback, photo picked', problems)

      await open('/experts/ask', '提交问题')
      await pickPhoto(page)
      await measure(page, 'ask, photo picked', problems)

      await open('/experts/list', '全部')
      await page.locator('a[href^="/experts/"]').filter({ hasText: /评价|专家|研究员|农艺师/ }).first().click()
      await page.getByText('可预约的视频咨询时间（北京时间）').waitFor()
      await page.locator('button.slot').first().click()
      await page.getByRole('button', { name: '确认预约' }).waitFor()
      await page.waitForTimeout(300)
      await measure(page, 'booking popup', problems)
      await pickPhoto(page)
      await measure(page, 'booking popup, photo picked', problems)

      await open('/market', '最新发布')
      await page.locator('.van-dropdown-menu__item').first().click()
      await page.locator('.van-dropdown-item__content').first().waitFor()
      await page.waitForTimeout(300)
      await measure(page, 'market filter open', problems)
      assert.deepEqual(problems, {}, JSON.stringify(problems, null, 1))
    })

    test('a quantity under 起订 is refused with the reason, never raised to it', async () => {
      await signInAs(page, server.url, FARMER)
      const listing = data.bulk
      const before = await ordersOf(listing.id)
      await open(`/market/${encodeURIComponent(listing.id)}`, '我要买')
      await page.getByRole('button', { name: '我要买' }).click()
      const popup = page.locator('.van-popup', { hasText: '提交订单' })
      const field = popup.locator('input').first() // the quantity, first of the form
      await field.fill('3')
      await field.blur()
      assert.equal(await field.inputValue(), '3', 'what the farmer typed stays')
      const reason = page.getByText(`这个商品起订 ${listing.minOrder}${listing.unit}，您填的是 3${listing.unit}`)
      await reason.first().waitFor()
      await page.getByRole('button', { name: '提交订单' }).click()
      await page.waitForTimeout(1000)
      assert.equal(await field.inputValue(), '3')
      assert.ok(await popup.isVisible(), 'the popup stays open to change it')
      assert.equal(await page.getByRole('textbox', { name: /数量/ }).inputValue(), '3', 'the field has a name')
      assert.deepEqual(await ordersOf(listing.id), before, 'no order was sent')
    })

    test('a pasted text longer than the limit is told before sending and not cut', async () => {
      await signInAs(page, server.url, FARMER)
      const before = await api(server.url, 'MyFeedback', { after: null }, data.farmerToken)
      await open('/me/feedback/new', '反馈类型')
      const pasted = '村里的水渠堵了，'.repeat(250) // 2000 characters
      await page.locator('#feedback-text').fill(pasted)
      await page.getByText('内容有 2000 个字，最多 1000 个字：请删去 1000 个字再提交').first().waitFor()
      assert.equal((await page.locator('#feedback-text').inputValue()).length, 2000, 'the text is kept whole')
      await page.getByRole('button', { name: '提交', exact: true }).click()
      await page.waitForTimeout(1000)
      const after = await api(server.url, 'MyFeedback', { after: null }, data.farmerToken)
      assert.equal(after.feedback.edges.length, before.feedback.edges.length, 'nothing was filed')
    })

    test('at 特大 text every screen keeps badges, numbers and lists whole', async () => {
      await signInAs(page, server.url, FARMER)
      await page.evaluate(() => localStorage.setItem('sannong.textSize', 'xlarge'))
      const problems = {}
      for (const [path, text] of screens()) {
        await open(path, text)
        const found = await layoutProblems(page)
        if (found.length) problems[path] = found
      }
      await page.evaluate(() => localStorage.setItem('sannong.textSize', 'standard'))
      assert.deepEqual(problems, {}, JSON.stringify(problems, null, 1))
    })

    test('a listing without a photo shows its whole commodity name, at 特大 too', async () => {
      await signInAs(page, server.url, FARMER)
      await page.evaluate(() => localStorage.setItem('sannong.textSize', 'xlarge'))
      await open('/market?q=西红柿', '最新发布')
      await page.getByRole('searchbox').fill('西红柿')
      await page.getByRole('searchbox').press('Enter')
      const badge = page.locator('.listing .placeholder', { hasText: /^\s*西红/ }).first()
      await badge.waitFor()
      assert.equal((await badge.textContent()).trim(), '西红柿')
      assert.deepEqual(await layoutProblems(page), [])
      await page.evaluate(() => localStorage.setItem('sannong.textSize', 'standard'))
    })
  })
}

describe('集市 in landscape, 640×360', () => {
  test('the listings keep room and the 发布 button covers none of them', async () => {
    const context = await phoneContext(browser, { viewport: { width: 640, height: 360 } })
    const page = await context.newPage()
    page.setDefaultTimeout(20_000)
    await signInAs(page, server.url, FARMER)
    await page.goto(`${server.url}/market`)
    await page.locator('.listing').first().waitFor()
    const covered = await page.evaluate(() => {
      const buttons = [...document.querySelectorAll('a, button')].filter((b) => b.textContent.trim() === '发布' && b.getBoundingClientRect().width)
      if (!buttons.length) return ['no 发布 button to be seen']
      const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom
      return [...document.querySelectorAll('.listing')].flatMap((listing) =>
        buttons.filter((button) => overlaps(button.getBoundingClientRect(), listing.getBoundingClientRect())).map(() => listing.textContent.trim().slice(0, 12)),
      )
    })
    assert.deepEqual(covered, [], 'the 发布 button lies over listings')
    // What the first view leaves for the listings, above the tab bar.
    const room = await page.evaluate(() => {
      const tabbar = document.querySelector('.van-tabbar')?.getBoundingClientRect().top ?? innerHeight
      return Math.round(tabbar - document.querySelector('.listing').getBoundingClientRect().top)
    })
    assert.ok(room >= 180, `only ${room} px are left for the listings`)
    await context.close()
  })
})

async function ordersOf(listingId) {
  const mine = await api(server.url, 'MyOrders', { role: 'BUYER' }, data.farmerToken)
  return mine.myOrders.edges.map((edge) => edge.node).filter((order) => order.listing?.id === listingId).map((order) => order.id)
}
