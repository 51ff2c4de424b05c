import { describe, expect, test } from 'vitest'
import { change, dateTime, day, quantity, relative, trend, yuan } from '../src/format'

describe('money', () => {
  test('yuan with two decimals and the unit after a slash', () => {
    expect(yuan('3.2')).toBe('3.20元')
    expect(yuan('3.2', '斤')).toBe('3.20元/斤')
    expect(yuan(2.456, '元/公斤')).toBe('2.46元/公斤')
  })

  test('large amounts in 万', () => {
    expect(yuan('125000')).toBe('12.5万元')
    expect(yuan(10000)).toBe('1万元')
  })

  test('nothing to show is a dash, not NaN', () => {
    expect(yuan(null)).toBe('—')
    expect(yuan('abc')).toBe('—')
  })

  test('quantities in 万 from ten thousand', () => {
    expect(quantity(500, '公斤')).toBe('500公斤')
    expect(quantity(18800, '斤')).toBe('1.88万斤')
  })
})

describe("a week's change", () => {
  test('arrow and one decimal; tiny changes are 持平', () => {
    expect(change(2.345)).toBe('↑2.3%')
    expect(change(-1)).toBe('↓1.0%')
    expect(change(0.01)).toBe('持平')
    expect(change(null)).toBe('暂无对比')
  })

  test('trend names the colour class: red up, green down', () => {
    expect(trend(3)).toBe('up')
    expect(trend(-3)).toBe('down')
    expect(trend(undefined)).toBe('flat')
  })
})

describe('dates in Beijing time', () => {
  const now = new Date('2026-05-03T10:00:00+08:00')

  test('a UTC time late in the day is the next day in Beijing', () => {
    expect(dateTime('2026-05-02T17:30:00Z', now)).toBe('5月3日 01:30')
  })

  test('a calendar date stays that date whatever the zone', () => {
    expect(day('2026-04-30', now)).toBe('4月30日')
  })

  test('another year is written out', () => {
    expect(day('2025-12-31', now)).toBe('2025年12月31日')
  })

  test('relative times', () => {
    expect(relative('2026-05-03T01:59:40Z', now)).toBe('刚刚')
    expect(relative('2026-05-03T01:45:00Z', now)).toBe('15分钟前')
    expect(relative('2026-05-02T22:00:00Z', now)).toBe('4小时前')
    expect(relative('2026-05-02T06:05:00Z', now)).toBe('昨天 14:05')
    expect(relative('2026-04-20T06:05:00Z', now)).toBe('4月20日 14:05')
  })
})
