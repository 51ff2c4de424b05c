// The experts tab's pure logic: names of specialties and states, slots grouped by
// Beijing day, and when a consultation's call may start.

const ZONE = 'Asia/Shanghai'
const dayKey = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE })
const dayLabel = new Intl.DateTimeFormat('zh-CN', { timeZone: ZONE, month: 'long', day: 'numeric', weekday: 'short' })
const clock = new Intl.DateTimeFormat('zh-CN', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })

export const SPECIALTIES: [string, string][] = [
  ['PLANT_PROTECTION', '植物保护'],
  ['SOIL_FERTILIZER', '土壤肥料'],
  ['LIVESTOCK', '畜牧兽医'],
  ['AQUACULTURE', '水产养殖'],
  ['FRUIT_VEGETABLE', '果树蔬菜'],
  ['MACHINERY', '农业机械'],
  ['FARM_ECONOMICS', '农业经济'],
]

export function specialtyName(value: string): string {
  return SPECIALTIES.find(([key]) => key === value)?.[1] ?? value
}

export const CONSULTATION_STATUS: Record<string, string> = {
  BOOKED: '已预约',
  COMPLETED: '已完成',
  CANCELLED: '已取消',
  NO_SHOW: '未到场',
}

export const CONSULTATION_TAG: Record<string, 'primary' | 'success' | 'danger' | 'warning' | 'default'> = {
  BOOKED: 'primary',
  COMPLETED: 'success',
  CANCELLED: 'default',
  NO_SHOW: 'warning',
}

export interface Timed {
  startsAt: string
  endsAt: string
}

export interface DayGroup<T> {
  /** 2026-05-03, the Beijing calendar day */
  key: string
  /** 5月3日周六, or 今天 / 明天 before it */
  label: string
  items: T[]
}

/** Slots in start order, one group per Beijing day, whatever the phone's own zone. */
export function groupByDay<T extends Timed>(slots: readonly T[], now: Date = new Date()): DayGroup<T>[] {
  const today = dayKey.format(now)
  const tomorrow = dayKey.format(new Date(now.getTime() + 86_400_000))
  const groups = new Map<string, DayGroup<T>>()
  const sorted = [...slots].sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt))
  for (const slot of sorted) {
    const when = new Date(slot.startsAt)
    const key = dayKey.format(when)
    let group = groups.get(key)
    if (!group) {
      const prefix = key === today ? '今天 ' : key === tomorrow ? '明天 ' : ''
      group = { key, label: prefix + dayLabel.format(when), items: [] }
      groups.set(key, group)
    }
    group.items.push(slot)
  }
  return [...groups.values()]
}

/** 09:00–09:30 in Beijing time */
export function timeSpan(slot: Timed): string {
  return `${clock.format(new Date(slot.startsAt))}–${clock.format(new Date(slot.endsAt))}`
}

export type CallWindow = 'early' | 'open' | 'ended' | 'closed'

/** Whether the two parties may call now: from `callOpensAt` to the end, while booked. */
export function callWindow(
  consultation: Timed & { status: string; callOpensAt: string },
  now: Date = new Date(),
): CallWindow {
  if (consultation.status !== 'BOOKED') return 'closed'
  const at = now.getTime()
  if (at < Date.parse(consultation.callOpensAt)) return 'early'
  if (at > Date.parse(consultation.endsAt)) return 'ended'
  return 'open'
}

/** 2小时5分钟 / 12分钟 / 不到1分钟 until `iso` */
export function waitText(iso: string, now: Date = new Date()): string {
  const minutes = Math.ceil((Date.parse(iso) - now.getTime()) / 60_000)
  if (minutes <= 1) return '不到1分钟'
  const days = Math.floor(minutes / 1440)
  const hours = Math.floor((minutes % 1440) / 60)
  const rest = minutes % 60
  return [days ? `${days}天` : '', hours ? `${hours}小时` : '', rest ? `${rest}分钟` : ''].join('')
}

/** The farmer may cancel until this long before the start (the server's rule too). */
export const FARMER_CANCEL_HOURS = 2

export function farmerMayCancel(consultation: Timed & { status: string }, now: Date = new Date()): boolean {
  return (
    consultation.status === 'BOOKED' &&
    Date.parse(consultation.startsAt) - now.getTime() > FARMER_CANCEL_HOURS * 3_600_000
  )
}

/** Words for RTCPeerConnection.connectionState, as a farmer reads them. */
export const CONNECTION_STATE: Record<string, string> = {
  new: '正在准备通话…',
  connecting: '正在连接对方…',
  connected: '已接通',
  disconnected: '连接中断，正在重连…',
  failed: '连接失败：请挂断后重新进入',
  closed: '通话已结束',
}

/** What getUserMedia's refusal means for the person holding the phone. */
export function mediaErrorText(error: unknown): string {
  const name = (error as { name?: string } | null)?.name ?? ''
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return '没有摄像头和麦克风的权限：请在浏览器设置里允许本网站使用，然后点“重新开启”'
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return '没有找到摄像头或麦克风'
  if (name === 'NotReadableError' || name === 'AbortError') return '摄像头或麦克风正被别的应用使用：请关掉它后重试'
  if (name === 'Unsupported') return '这个浏览器不能视频通话：请用手机自带浏览器或微信打开，并使用 https 地址'
  return '打不开摄像头或麦克风，请稍后重试'
}
