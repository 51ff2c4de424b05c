// The 通知 tab and 我的反馈 in Debian's Chromium at a phone's size, against a real server
// with the demo data: a villager of 孙家集街道 (seed phones 1380003xxxx) opens a notice
// that asks for confirmation, confirms it and sees the unread count drop; a finance
// notice shows its chart; a complaint becomes a ticket with its state.
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { accessibilityProblems, api, cachedOffline, launch, login, onLineAlwaysTrue, phoneContext, signInAs, startServer, witnessFailures } from './support.mjs'

witnessFailures(import.meta.url)

const PHOTO = fileURLToPath(new URL('../public/icon-512.png', import.meta.url))

let server
let browser
let context
let page
let villager // { phone, token, notice } of a villager with an unconfirmed notice

before(async () => {
  server = await startServer()
  browser = await launch()
  context = await phoneContext(browser)
  page = await context.newPage()
  page.setDefaultTimeout(15_000)
  page.on('pageerror', (error) => console.error('page error:', error.message))
  villager = await villagerWithUnconfirmedNotice()
  await signInAs(page, server.url, villager.phone)
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

async function open(path) {
  await page.goto(`${server.url}${path}`)
}

function notices(token, variables = {}) {
  return api(server.url, 'Notices', { region: null, category: null, after: null, signedIn: true, ...variables }, token)
}

/** The first seed villager (1380003xxxx) with an unread notice asking for confirmation on
 * the first page of their notices, and a finance statement for their village. */
async function villagerWithUnconfirmedNotice() {
  for (let n = 0; n < 30; n += 1) {
    const phone = `1380003${String(n).padStart(4, '0')}`
    const { token } = await login(server.url, phone)
    const [all, finance] = await Promise.all([notices(token), notices(token, { category: 'FINANCE' })])
    const notice = all.notices.edges
      .map((edge) => edge.node)
      .find((node) => node.requiresAck && node.read === false && node.acknowledged === false && node.status === 'PUBLISHED')
    const statement = finance.notices.edges.map((edge) => edge.node).find((node) => node.status === 'PUBLISHED')
    if (notice && statement) return { phone, token, notice, finance: statement, unread: all.me.unreadNoticeCount }
  }
  throw new Error('the seed has no villager with an unconfirmed notice and a finance statement')
}

/** The number on the 通知 tab's badge; 0 when there is none. */
async function tabBadge() {
  const badge = page.locator('.van-tabbar-item', { hasText: '通知' }).locator('.van-badge')
  if (!(await badge.count())) return 0
  return Number((await badge.textContent()).trim())
}

async function homeUnread() {
  const badge = page.locator('section[aria-labelledby="notices-title"] .van-badge')
  await badge.waitFor()
  return Number((await badge.textContent()).trim())
}

describe('a villager', () => {
  test('home shows the unread notices of the village and upcoming lectures, in one request', async () => {
    // Answers, not requests: urql sends a query again while the cache loads from
    // IndexedDB at start, and the first of the two is cancelled (every screen does).
    const requests = []
    const listener = (response) => {
      if (new URL(response.url()).pathname === '/graphql') requests.push(response.url())
    }
    page.on('response', listener)
    await open('/')
    await page.getByText('村里的通知').waitFor()
    await page.locator('section[aria-labelledby="notices-title"] .van-cell').first().waitFor()
    assert.equal(await homeUnread(), villager.unread)
    await page.getByText('专家讲座').waitFor()
    await page.waitForTimeout(500)
    page.off('response', listener)
    assert.equal(requests.length, 1, `one GraphQL answer for home, saw ${requests.join(', ')}`)
    assert.equal(await tabBadge(), villager.unread)
    const shown = await page.locator('section[aria-labelledby="notices-title"] .van-cell').count()
    assert.ok(shown >= 1 && shown <= 3, `a few unread notices, saw ${shown}`)
  })

  test('opens a notice, confirms it, and the unread count drops on home and the tab', async () => {
    await page.getByRole('tab', { name: /通知/ }).click()
    await page.getByRole('heading', { name: '村务公开' }).waitFor()
    const card = page.locator('article.notice', { hasText: villager.notice.title }).first()
    await card.waitFor()
    assert.ok(await card.evaluate((el) => el.classList.contains('unread')), 'marked unread in the list')
    await card.getByText('待确认').waitFor()
    await card.click()

    await page.getByRole('heading', { name: villager.notice.title }).waitFor()
    const confirm = page.getByRole('button', { name: '确认已读' })
    await confirm.click()
    await page.getByText('您已确认收到此通知').waitFor()

    const after = await notices(villager.token)
    const node = after.notices.edges.map((edge) => edge.node).find((n) => n.id === villager.notice.id)
    assert.deepEqual([node.read, node.acknowledged], [true, true])
    assert.equal(after.me.unreadNoticeCount, villager.unread - 1)

    await page.getByRole('button', { name: '返回' }).click()
    const back = page.locator('article.notice', { hasText: villager.notice.title }).first()
    await back.waitFor()
    await page.waitForFunction(
      (title) => {
        const el = [...document.querySelectorAll('article.notice')].find((a) => a.textContent.includes(title))
        return el && !el.classList.contains('unread') && !el.textContent.includes('待确认')
      },
      villager.notice.title,
    )
    await page.getByRole('tab', { name: /首页/ }).click()
    await page.waitForFunction(
      (expected) => document.querySelector('section[aria-labelledby="notices-title"] .van-badge')?.textContent.trim() === String(expected),
      villager.unread - 1,
    )
    assert.equal(await tabBadge(), villager.unread - 1)
    const titles = await page.locator('section[aria-labelledby="notices-title"] .van-cell').allTextContents()
    assert.ok(!titles.some((title) => title.includes(villager.notice.title)), 'no longer among the unread')
  })

  test('the list pages by cursor as it scrolls, and a category shows only its own', async () => {
    const titles = []
    let after = null
    do {
      const page = await notices(villager.token, { after })
      titles.push(...page.notices.edges.map((edge) => edge.node.title))
      after = page.notices.pageInfo.hasNextPage ? page.notices.pageInfo.endCursor : null
    } while (after)
    assert.ok(titles.length > 15, `more than one page (${titles.length})`)
    await open('/notices')
    await page.locator('article.notice').first().waitFor()
    assert.equal(await page.locator('article.notice').count(), 15)
    for (let tries = 0; tries < 10 && !(await page.getByText('没有更多了').isVisible()); tries += 1) {
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight))
      await page.waitForTimeout(400)
    }
    await page.getByText('没有更多了').waitFor()
    assert.deepEqual(await page.locator('article.notice h2').allTextContents().then((all) => all.map((t) => t.replace(/^未读：/, '').trim())), titles)

    await page.getByRole('tab', { name: '惠农补贴' }).click()
    await page.locator('article.notice').first().waitFor()
    const subsidy = await notices(villager.token, { category: 'SUBSIDY' })
    const labels = await page.locator('article.notice .tags').allTextContents()
    assert.equal(labels.length, Math.min(15, subsidy.notices.edges.length))
    assert.ok(labels.every((text) => text.includes('惠农补贴')), labels.join(' | '))
  })

  test('a finance notice shows its chart, loaded when opened, with the 其他 warning', async () => {
    const chunks = []
    const listener = (response) => {
      if (/FinanceChart-.*\.js$/.test(response.url())) chunks.push(response.url())
    }
    page.on('response', listener)
    await open('/notices')
    await page.locator('article.notice').first().waitFor()
    assert.equal(chunks.length, 0, 'the chart code is not part of the list')
    await open(`/notices/${encodeURIComponent(villager.finance.id)}`)
    await page.getByText(/收支情况/).waitFor()
    page.off('response', listener)
    assert.equal(chunks.length, 1, 'the chart code came with the finance notice')

    const detail = await api(server.url, 'Notice', { id: villager.finance.id }, villager.token)
    const statement = detail.node.statement
    const bars = page.locator('.finance .bar')
    assert.equal(await bars.count(), statement.byCategory.length)
    assert.equal(await page.locator('.finance .bar svg rect').count(), statement.byCategory.length * 2)
    const widths = await page.locator('.finance .bar svg rect:nth-child(2)').evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('width'))))
    assert.ok(widths.includes(100) && widths.every((w) => w > 0 && w <= 100), `bar widths ${widths}`)
    const label = await page.locator('.finance figure').getAttribute('aria-label')
    assert.match(label, new RegExp(`^${statement.period}，收入合计`))
    assert.equal(await page.locator('.finance .lines tbody tr').count(), statement.lines.length)
    for (const warning of statement.warnings) await page.getByText(warning.message).waitFor()
    assert.equal(await page.locator('.finance .lines tr.warned').count(), statement.warnings.length)
  })

  test('reads a notice aloud where the browser can speak, and hides the button where it cannot', async () => {
    await open(`/notices/${encodeURIComponent(villager.notice.id)}`)
    await page.getByRole('heading', { name: villager.notice.title }).waitFor()
    const speaks = await page.evaluate(() => 'speechSynthesis' in window)
    assert.equal(await page.getByRole('button', { name: '朗读' }).count(), speaks ? 1 : 0)

    const mute = await phoneContext(browser)
    try {
      await mute.addInitScript(() => {
        delete Window.prototype.speechSynthesis
        delete window.speechSynthesis
      })
      const other = await mute.newPage()
      await other.goto(`${server.url}/notices/${encodeURIComponent(villager.notice.id)}`)
      await other.getByRole('heading', { name: villager.notice.title }).waitFor()
      assert.equal(await other.getByRole('button', { name: '朗读' }).count(), 0)
    } finally {
      await mute.close()
    }
  })

  test('submits a complaint with a photo and sees its ticket and state in 我的反馈', async () => {
    // A neighbour (the seed puts every fifth villager in the same village) complained first.
    const neighbour = await login(server.url, `1380003${String((Number(villager.phone.slice(-4)) + 5) % 30).padStart(4, '0')}`)
    assert.equal(neighbour.user.village.id, (await login(server.url, villager.phone)).user.village.id)
    const first = await api(
      server.url,
      'SubmitFeedback',
      { input: { kind: 'COMPLAINT', text: '三组的排水沟堵死了，一下雨大棚就进水', isPublic: true } },
      neighbour.token,
    )
    assert.deepEqual(first.submitFeedback.userErrors, [])
    const text = '排水沟堵了，大棚进水，请派人来疏通'
    const similar = await api(server.url, 'SimilarFeedback', { text }, villager.token)
    assert.ok(
      similar.similarFeedback.some((ticket) => ticket.number === first.submitFeedback.feedback.number),
      'the API finds the neighbour\'s complaint',
    )
    await open('/me')
    await page.getByText('我的反馈').click()
    await page.getByRole('button', { name: '提交反馈' }).click()
    await page.getByRole('radio', { name: '投诉' }).waitFor()
    assert.equal(await page.getByRole('radio', { name: '投诉' }).getAttribute('aria-checked'), 'true')
    await page.getByLabel('反馈内容').fill(text)
    // asked once the typing stopped, and shown before sending
    await page.getByText('村里已有相似的反馈').waitFor()
    await page.locator('.suggestion', { hasText: first.submitFeedback.feedback.number }).waitFor()
    await page.locator('input[type=file]').setInputFiles(PHOTO)
    await page.locator('.van-uploader__preview').waitFor()
    await page.getByRole('button', { name: '提交', exact: true }).click()

    await page.locator('.number').waitFor() // the ticket's own number (the toast says it too)
    await page.getByText(text).waitFor()
    const number = (await page.locator('.number').textContent()).trim()
    assert.match(number, /^\d{4}-\d{3}-\d{6}$/)
    await page.locator('.head .status', { hasText: '已受理' }).waitFor()
    await page.locator('.photos img').first().waitFor()
    assert.equal(await page.locator('.van-step--process').textContent().then((t) => t.includes('已受理')), true)

    const mine = await api(server.url, 'MyFeedback', { after: null }, villager.token)
    const ticket = mine.feedback.edges[0].node
    assert.deepEqual([ticket.number, ticket.kind, ticket.status, ticket.text], [number, 'COMPLAINT', 'ACCEPTED', text])

    await open('/me/feedback')
    const card = page.locator('a.ticket').first()
    await card.getByText(number, { exact: false }).waitFor()
    await card.getByText('已受理').waitFor()
    assert.equal(await card.getAttribute('data-status'), 'ACCEPTED')
  })

  test('rates a closed ticket: solved partly, three stars', async () => {
    let found = null
    for (let n = 0; n < 30 && !found; n += 1) {
      const author = await login(server.url, `1380003${String(n).padStart(4, '0')}`)
      const mine = await api(server.url, 'MyFeedback', { after: null }, author.token)
      for (const { node } of mine.feedback.edges.filter((edge) => ['RESOLVED', 'REJECTED'].includes(edge.node.status))) {
        const detail = await api(server.url, 'Feedback', { id: node.id }, author.token)
        if (!detail.node.rating) {
          found = { author, ticket: detail.node }
          break
        }
      }
    }
    assert.ok(found, 'the seed has a closed ticket not rated yet')
    const other = await phoneContext(browser)
    try {
      const rater = await other.newPage()
      await signInAs(rater, server.url, found.author.user.phone)
      await rater.goto(`${server.url}/me/feedback/${encodeURIComponent(found.ticket.id)}`)
      await rater.getByText('评价办理结果').waitFor()
      const steps = await rater.locator('.van-step').allTextContents()
      assert.match(steps[2], found.ticket.status === 'REJECTED' ? /不予受理/ : /已办结/)
      assert.equal(await rater.locator('.reply').count(), found.ticket.replies.length)
      const problems = await accessibilityProblems(rater)
      assert.deepEqual(problems, [], JSON.stringify(problems))
      await rater.getByRole('radio', { name: '部分解决' }).click()
      await rater.locator('.van-rate__item').nth(2).click()
      await rater.getByLabel('评价留言').fill('修了一半')
      await rater.getByRole('button', { name: '提交评价' }).click()
      await rater.getByText('我的评价').waitFor()
      await rater.getByText('部分解决 · 3 星').waitFor()
    } finally {
      await other.close()
    }
    const rated = await api(server.url, 'Feedback', { id: found.ticket.id }, found.author.token)
    assert.deepEqual(
      [rated.node.rating.outcome, rated.node.rating.stars, rated.node.rating.comment],
      ['PARTLY_SOLVED', 3, '修了一半'],
    )
  })

  test('offline: a notice seen before still shows after a reload, and a confirmation waits', async () => {
    const all = await notices(villager.token)
    const other = all.notices.edges
      .map((edge) => edge.node)
      .find((node) => node.requiresAck && !node.acknowledged && node.status === 'PUBLISHED' && node.id !== villager.notice.id)
    assert.ok(other, 'a second notice to confirm')
    await page.evaluate(() => navigator.serviceWorker.ready)
    await open(`/notices/${encodeURIComponent(other.id)}`)
    await page.getByRole('button', { name: '确认已读' }).waitFor()
    // Its body (only the notice's own screen asks for it), kept for an offline start.
    const detail = await api(server.url, 'Notice', { id: other.id }, villager.token)
    await cachedOffline(page, detail.node.body.match(/[\u4e00-\u9fff]{4,}/)[0])

    // As in CI's Chromium: after the reload the browser still says online, and no event
    // says when the link is back; the app learns it from its own requests.
    await onLineAlwaysTrue(context)
    await context.setOffline(true)
    try {
      await page.reload()
      await page.getByRole('heading', { name: other.title }).waitFor()
      await page.getByText('没有网络，显示的是上次的内容。').waitFor()
      await page.getByRole('button', { name: '确认已读' }).click()
      await page.getByRole('button', { name: '确认已读（待发送）' }).waitFor()
      const before = await notices(villager.token)
      assert.equal(before.notices.edges.find((edge) => edge.node.id === other.id).node.acknowledged, false)
    } finally {
      await context.setOffline(false)
    }
    // No online event: the outbox's own retry (at most 15 s apart) sends it.
    await page.getByText(/待发送/).first().waitFor({ state: 'detached', timeout: 60_000 })
    const sent = await notices(villager.token)
    assert.equal(sent.notices.edges.find((edge) => edge.node.id === other.id).node.acknowledged, true)
  })
})

describe('the notices and feedback screens', () => {
  test('have no serious or critical accessibility problems', async () => {
    const mine = await api(server.url, 'MyFeedback', { after: null }, villager.token)
    const screens = [
      ['/notices', '村务公开'],
      [`/notices/${encodeURIComponent(villager.notice.id)}`, villager.notice.title],
      [`/notices/${encodeURIComponent(villager.finance.id)}`, '收支情况'],
      ['/me/feedback', '提交反馈'],
      ['/me/feedback/new', '反馈类型'],
      [`/me/feedback/${encodeURIComponent(mine.feedback.edges[0].node.id)}`, '办理进度'],
    ]
    const problems = {}
    for (const [path, text] of screens) {
      await open(path)
      await page.getByText(text).first().waitFor()
      await page.waitForTimeout(300)
      const found = await accessibilityProblems(page)
      if (found.length) problems[path] = found
    }
    await page.evaluate(() => localStorage.removeItem('sannong.session'))
    await open('/notices')
    await page.getByText('请选择您所在的村').waitFor()
    const found = await accessibilityProblems(page)
    if (found.length) problems['/notices (signed out)'] = found
    assert.deepEqual(problems, {}, JSON.stringify(problems, null, 1))
  })
})
