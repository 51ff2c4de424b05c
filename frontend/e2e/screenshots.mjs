// `make screenshots`: the main screens at a phone's size into docs/screenshots/, as the
// demo farmer 王建国 sees them.
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { api, launch, phoneContext, signInAs, startServer } from './support.mjs'
import { townshipScreenshots } from './township.mjs'

const OUT = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
const PHOTO = fileURLToPath(new URL('../public/icon-512.png', import.meta.url))
mkdirSync(OUT, { recursive: true })

const server = await startServer()
const browser = await launch()
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
  await shot('me', '/me', '文字大小')
  await page.getByRole('radio', { name: '特大' }).click()
  await shot('home-extra-large-text', '/', '本村在卖')
  await page.evaluate(() => localStorage.removeItem('sannong.textSize'))
  await page.evaluate(() => localStorage.removeItem('sannong.session'))
  await page.goto(`${server.url}/register`)
  await page.getByText('选择省、市、县、乡镇、村').click()
  await shot('register-village', null, '选择所在村')
  await townshipScreenshots({ url: server.url, browser, out: OUT })
} finally {
  await browser.close()
  await server.stop()
}
