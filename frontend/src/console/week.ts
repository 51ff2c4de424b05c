// Calendar arithmetic of the expert's week, in Beijing time whatever the desk's own zone:
// a day is its "YYYY-MM-DD" there, a time "HH:MM" there, sent to the API with +08:00.

const DAY_MS = 86_400_000
const dayKey = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' })
const clock = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })

export const WEEKDAYS = ['周一', '周二', '周三', '周四', '周五', '周六', '周日']

/** The Beijing date of a moment: 2026-05-03. */
export function chinaDay(moment: Date | string): string {
  return dayKey.format(typeof moment === 'string' ? new Date(moment) : moment)
}

/** 09:30 in Beijing. */
export function chinaTime(moment: Date | string): string {
  return clock.format(typeof moment === 'string' ? new Date(moment) : moment)
}

/** A Beijing date moved by whole days (noon keeps it clear of any edge). */
export function addDays(day: string, days: number): string {
  return chinaDay(new Date(Date.parse(`${day}T12:00:00+08:00`) + days * DAY_MS))
}

/** 0 for Monday … 6 for Sunday. */
export function weekdayOf(day: string): number {
  return (new Date(`${day}T12:00:00+08:00`).getUTCDay() + 6) % 7
}

/** The Monday of the week holding `day`. */
export function mondayOf(day: string): string {
  return addDays(day, -weekdayOf(day))
}

/** The seven days of the week starting on `monday`. */
export function weekDays(monday: string): string[] {
  return Array.from({ length: 7 }, (_, n) => addDays(monday, n))
}

/** The instant a Beijing day and time stand for, as the API takes it. */
export function chinaInstant(day: string, time = '00:00'): string {
  return `${day}T${time}:00+08:00`
}

/** "09:00, 9:30 14:00" → ["09:00", "09:30", "14:00"]; null when any part is not a time. */
export function parseTimes(text: string): string[] | null {
  const parts = text.split(/[\s,，、;；]+/).filter(Boolean)
  const times: string[] = []
  for (const part of parts) {
    const match = /^([01]?\d|2[0-3])[:：]([0-5]\d)$/.exec(part)
    if (!match) return null
    times.push(`${match[1].padStart(2, '0')}:${match[2]}`)
  }
  return [...new Set(times)].sort()
}

export interface BatchPlan {
  /** First day of the batch. */
  start: string
  times: string[]
  minutes: number
  /** Weekdays (0 = Monday) to repeat on; empty: only the start day. */
  repeatOn: number[]
  /** How many weeks the repetition runs, from the start day on. */
  weeks: number
}

/** The slots a batch stands for, in time order: on the start day, and on each chosen
 * weekday of the following `weeks` weeks (the start day counted once). */
export function batchSlots(plan: BatchPlan): { startsAt: string; durationMinutes: number }[] {
  const days = new Set<string>([plan.start])
  if (plan.repeatOn.length) {
    for (let n = 0; n < plan.weeks * 7; n++) {
      const day = addDays(plan.start, n)
      if (plan.repeatOn.includes(weekdayOf(day))) days.add(day)
    }
  }
  return [...days]
    .sort()
    .flatMap((day) => plan.times.map((time) => ({ startsAt: chinaInstant(day, time), durationMinutes: plan.minutes })))
}
