// `make screenshots`: the main screens at a phone's size into docs/screenshots/, as the
// demo farmer 王建国 sees them.
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { api, launch, login, phoneContext, signInAs, startServer } from './support.mjs'
import { townshipScreenshots } from './township.mjs'

const OUT = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
const PHOTO = fileURLToPath(new URL('../public/icon-512.png', import.meta.url))
mkdirSync(OUT, { recursive: true })

// Free-form documents too: the call's slot is published as the expert's console would.
/** A consultation starting in 2 minutes with 王建国; both in the call; returns the text to wait for. */
async function callScreen(farmerPage) {
  const startsAt = new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 2 * 60_000).toISOString()
  let booked = null
  for (const phone of ['13800020004', '13800020005', '13800020009', '13800000002']) {
    const expert = await login(server.url, phone, 'zhuanjia2026')
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${expert.token}` },
      body: JSON.stringify({
        query: 'mutation($i: PublishSlotsInput!) { publishSlots(input: $i) { slots { id } userErrors { code } } }',
        variables: { i: { slots: [{ startsAt, durationMinutes: 30 }] } },
      }),
    })
    const published = (await response.json()).data.publishSlots
    if (published.userErrors.length) continue
    const farmer = await login(server.url, '13800000001')
    const input = { slotId: published.slots[0].id, topic: '大棚番茄叶片发黄', idempotencyKey: `shot-${Date.now()}` }
    const result = await api(server.url, 'BookConsultation', { input }, farmer.token)
    booked = { expert, id: result.bookConsultation.consultation.id }
    break
  }
  if (!booked) throw new Error('no expert could publish a slot for the call')
  const path = `/consultations/${encodeURIComponent(booked.id)}/call`
  await farmerPage.goto(`${server.url}${path}`)
  await farmerPage.getByRole('button', { name: '进入视频通话' }).click()
  const expertPage = await (await phoneContext(expertBrowser)).newPage()
  await signInAs(expertPage, server.url, booked.expert.user.phone, 'zhuanjia2026')
  await expertPage.goto(`${server.url}${path}`)
  await expertPage.getByRole('button', { name: '进入视频通话' }).click()
  await farmerPage.waitForFunction(() => (document.querySelector('video.remote')?.videoWidth ?? 0) > 0)
  await farmerPage.waitForTimeout(1500) // a few frames of the fake camera
  return '已接通'
}

const server = await startServer({ documentsOnly: false })
// A fake camera for the call's screenshot (the other screens do not notice it).
const MEDIA = ['--no-sandbox', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required']
const browser = await launch({ args: MEDIA })
const expertBrowser = await launch({ args: MEDIA })
try {
  const context = await phoneContext(browser)
  const page = await context.newPage()
  await signInAs(page, server.url, '13800000001')
  const shot = async (name, path, waitFor) => {
    if (path) await page.goto(`${server.url}${path}`)
    await page.getByText(waitFor).first().waitFor()
    await page.waitForTimeout(600) // fonts, images and transitions settle
    await page.screenshot({ path: `${OUT}${name}.png` })
    console.log(`docs/screenshots/${name}.png`)
  }
  const corn = (await api(server.url, 'Commodities', { category: 'GRAIN' })).commodities.find((c) => c.name === '玉米')
  const listings = await api(server.url, 'Listings', { filter: null, sort: 'NEWEST' })

  await shot('home', '/', '本村在卖')
  await shot('prices', '/prices', '玉米')
  await shot('commodity', `/prices/${encodeURIComponent(corn.id)}`, '近30天走势')
  await shot('market', '/market', '最新发布')
  await shot('listing', `/market/${encodeURIComponent(listings.listings.edges[0].node.id)}`, '我要买')
  await page.goto(`${server.url}/market/new`)
  await page.getByPlaceholder('如：大白菜').fill('玉米')
  await page.getByPlaceholder('如：自家种的大白菜，新鲜').fill('今年新玉米，颗粒饱满')
  await page.getByPlaceholder('每单位多少元').fill('1.35')
  await page.getByPlaceholder(/共多少/).fill('5000')
  await page.locator('input[type=file]').setInputFiles(PHOTO)
  await page.locator('.phrase').first().click()
  await page.evaluate(() => window.scrollTo(0, 0))
  await shot('post-listing', null, '照片（最多6张）')
  await shot('orders', '/orders?role=BUYER', '我买的')
  // experts
  await shot('experts', '/experts', '专家解答')
  const li = (await api(server.url, 'Experts', { specialty: 'PLANT_PROTECTION' })).experts.edges.find((e) => e.node.name === '李明华')
  await shot('expert', `/experts/${encodeURIComponent(li.node.id)}`, '可预约的视频咨询时间')
  await shot('expert-call', null, await callScreen(page))
  await shot('me', '/me', '文字大小')
  await page.getByRole('radio', { name: '特大' }).click()
  await shot('home-extra-large-text', '/', '本村在卖')
  await page.evaluate(() => localStorage.removeItem('sannong.textSize'))

  // 通知 and 我的反馈 as a villager of 孙家集村 sees them (seed phones 1380003xxxx)
  const villager = await signInAs(page, server.url, '13800030001')
  const finance = await api(
    server.url,
    'Notices',
    { region: null, category: 'FINANCE', after: null, signedIn: true },
    villager.token,
  )
  await shot('notices', '/notices', '村务公开')
  await shot('notice-finance', `/notices/${encodeURIComponent(finance.notices.edges[0].node.id)}`, '收支情况')
  await page.locator('.finance').evaluate((chart) => window.scrollTo(0, chart.getBoundingClientRect().top + window.scrollY - 56))
  await shot('notice-finance-chart', null, '收支情况')
  await page.goto(`${server.url}/me/feedback/new`)
  await page.getByPlaceholder('什么地方、什么事、希望怎么解决').fill('村东头的灌溉水渠塌了，浇不上地')
  await page.locator('.suggestion').first().waitFor()
  await shot('feedback-form', null, '村里已有相似的反馈')
  await shot('my-feedback', '/me/feedback', '提交反馈')
  await page.evaluate(() => localStorage.removeItem('sannong.session'))
  await page.goto(`${server.url}/register`)
  await page.getByText('选择省、市、县、乡镇、村').click()
  await shot('register-village', null, '选择所在村')
  await townshipScreenshots({ url: server.url, browser, out: OUT })
} finally {
  await expertBrowser.close()
  await browser.close()
  await server.stop()
}
