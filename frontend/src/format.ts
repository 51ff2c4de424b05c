// Numbers, money and dates as a Chinese reader expects them, in Beijing time whatever
// the phone's own time zone.

const ZONE = 'Asia/Shanghai'
const monthDay = new Intl.DateTimeFormat('zh-CN', { timeZone: ZONE, month: 'long', day: 'numeric' })
const yearMonthDay = new Intl.DateTimeFormat('zh-CN', {
  timeZone: ZONE,
  year: 'numeric',
  month: 'long',
  day: 'numeric',
})
const clock = new Intl.DateTimeFormat('zh-CN', {
  timeZone: ZONE,
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
})
const yearOf = new Intl.DateTimeFormat('en', { timeZone: ZONE, year: 'numeric' })
const dayKey = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE })

/** Yuan with two decimals; from 10 000 on in 万 (12.5万元), as prices are read aloud. */
export function yuan(value: string | number | null | undefined, unit?: string): string {
  if (value === null || value === undefined || value === '') return '—'
  const amount = Number(value)
  if (!Number.isFinite(amount)) return '—'
  const per = unit ? `/${unit.replace(/^元\//, '')}` : ''
  if (Math.abs(amount) >= 10000) {
    const wan = (amount / 10000).toFixed(2).replace(/\.?0+$/, '')
    return `${wan}万元${per}`
  }
  return `${amount.toFixed(2)}元${per}`
}

/** An amount as the API takes it, a decimal with two places: 6.5 → "6.50". */
export function apiYuan(value: string | number): string {
  return Number(value).toFixed(2)
}

/** "元/公斤" quotes keep their unit; a listing's unit (斤, 箱) gets 元/ before it. */
export function pricePer(value: string | number | null | undefined, unit: string): string {
  return yuan(value, unit)
}

export type Trend = 'up' | 'down' | 'flat'

export function trend(pct: number | null | undefined): Trend {
  if (pct === null || pct === undefined || Math.abs(pct) < 0.05) return 'flat'
  return pct > 0 ? 'up' : 'down'
}

/** A week's change: ↑2.3% / ↓1.0% / 持平; red is up and green is down in China. */
export function change(pct: number | null | undefined): string {
  if (pct === null || pct === undefined) return '暂无对比'
  const direction = trend(pct)
  if (direction === 'flat') return '持平'
  return `${direction === 'up' ? '↑' : '↓'}${Math.abs(pct).toFixed(1)}%`
}

function sameYear(a: Date, b: Date): boolean {
  return yearOf.format(a) === yearOf.format(b)
}

/** 5月3日, or 2025年5月3日 for another year. */
export function day(iso: string, now: Date = new Date()): string {
  const when = parseDay(iso)
  return sameYear(when, now) ? monthDay.format(when) : yearMonthDay.format(when)
}

/** A calendar date (2025-05-03) is a Beijing day already: noon there keeps it that day. */
function parseDay(iso: string): Date {
  return /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T12:00:00+08:00`) : new Date(iso)
}

/** 5月3日 14:05 */
export function dateTime(iso: string, now: Date = new Date()): string {
  const when = new Date(iso)
  return `${day(iso, now)} ${clock.format(when)}`
}

/** 刚刚, 5分钟前, 3小时前, 昨天 14:05, else the date. */
export function relative(iso: string, now: Date = new Date()): string {
  const when = new Date(iso)
  const seconds = (now.getTime() - when.getTime()) / 1000
  if (seconds < 60 && seconds > -60) return '刚刚'
  if (seconds > 0 && seconds < 3600) return `${Math.floor(seconds / 60)}分钟前`
  const today = dayKey.format(now)
  if (dayKey.format(when) === today && seconds > 0) return `${Math.floor(seconds / 3600)}小时前`
  const yesterday = dayKey.format(new Date(now.getTime() - 86400_000))
  if (dayKey.format(when) === yesterday) return `昨天 ${clock.format(when)}`
  return dateTime(iso, now)
}

/** 500公斤, 1.2万斤 */
export function quantity(amount: number, unit: string): string {
  if (amount >= 10000) return `${(amount / 10000).toFixed(2).replace(/\.?0+$/, '')}万${unit}`
  return `${amount}${unit}`
}

export const ORDER_STATUS: Record<string, string> = {
  PENDING: '待卖家确认',
  ACCEPTED: '卖家已接单',
  REJECTED: '卖家已拒绝',
  CANCELLED: '已取消',
  COMPLETED: '已完成',
}

export const LISTING_STATUS: Record<string, string> = {
  ACTIVE: '在售',
  SOLD_OUT: '已售完',
  CLOSED: '已下架',
  HIDDEN: '已屏蔽',
}

export const ALERT_KIND: Record<string, string> = {
  WEATHER: '气象',
  PEST: '虫害',
  DISEASE: '病害',
  ANIMAL_DISEASE: '动物疫情',
}

export const SEVERITY: Record<string, string> = {
  BLUE: '蓝色预警',
  YELLOW: '黄色预警',
  ORANGE: '橙色预警',
  RED: '红色预警',
}

export const COMMODITY_CATEGORIES: [string, string][] = [
  ['GRAIN', '粮食'],
  ['VEGETABLE', '蔬菜'],
  ['FRUIT', '水果'],
  ['LIVESTOCK', '畜禽'],
  ['AQUATIC', '水产'],
  ['TEA', '茶叶'],
]

export const LISTING_CATEGORIES: [string, string][] = [
  ['GRAIN', '粮食'],
  ['VEGETABLE', '蔬菜'],
  ['FRUIT', '水果'],
  ['LIVESTOCK', '畜禽'],
  ['AQUATIC', '水产'],
  ['EGG_DAIRY', '蛋奶'],
  ['SPECIALTY', '特产'],
  ['OTHER', '其他'],
]
