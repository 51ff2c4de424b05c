import { describe, expect, it } from 'vitest'
import { addDays, batchSlots, chinaDay, mondayOf, parseTimes, weekDays, weekdayOf } from '../src/console/week'

describe('the expert week in Beijing time', () => {
  it('takes the Beijing date of a moment, not the machine one', () => {
    expect(chinaDay('2026-05-03T17:30:00Z')).toBe('2026-05-04')
    expect(chinaDay('2026-05-03T15:59:00Z')).toBe('2026-05-03')
  })

  it('starts weeks on Monday and crosses months', () => {
    expect(weekdayOf('2026-06-01')).toBe(0)
    expect(mondayOf('2026-06-07')).toBe('2026-06-01')
    expect(weekDays('2026-04-27')).toEqual([
      '2026-04-27', '2026-04-28', '2026-04-29', '2026-04-30', '2026-05-01', '2026-05-02', '2026-05-03',
    ])
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
  })

  it('reads start times written as a person writes them, and refuses the rest', () => {
    expect(parseTimes('14:00, 9:30，09:30 10：00')).toEqual(['09:30', '10:00', '14:00'])
    expect(parseTimes('25:00')).toBeNull()
    expect(parseTimes('九点')).toBeNull()
  })

  it('repeats a batch on chosen weekdays for the given weeks', () => {
    const slots = batchSlots({ start: '2026-06-03', times: ['09:00', '10:00'], minutes: 30, repeatOn: [0, 2], weeks: 2 })
    expect(slots.map((s) => s.startsAt)).toEqual([
      '2026-06-03T09:00:00+08:00', '2026-06-03T10:00:00+08:00',
      '2026-06-08T09:00:00+08:00', '2026-06-08T10:00:00+08:00',
      '2026-06-10T09:00:00+08:00', '2026-06-10T10:00:00+08:00',
      '2026-06-15T09:00:00+08:00', '2026-06-15T10:00:00+08:00',
    ])
    expect(batchSlots({ start: '2026-06-03', times: ['09:00'], minutes: 45, repeatOn: [], weeks: 4 })).toEqual([
      { startsAt: '2026-06-03T09:00:00+08:00', durationMinutes: 45 },
    ])
  })
})
