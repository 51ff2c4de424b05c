import { describe, expect, test } from 'vitest'
import { callWindow, farmerMayCancel, groupByDay, mediaErrorText, timeSpan, waitText } from '../src/experts'

const slot = (startsAt: string, minutes = 30) => ({
  startsAt,
  endsAt: new Date(Date.parse(startsAt) + minutes * 60_000).toISOString(),
})

describe('slots by Beijing day', () => {
  const now = new Date('2026-05-03T02:00:00Z') // 10:00 in Beijing, a Sunday

  test('one group per Beijing day, in start order, whatever order they came in', () => {
    const groups = groupByDay(
      [
        slot('2026-05-04T01:00:00Z'), // 5月4日 09:00
        slot('2026-05-03T15:30:00Z'), // 5月3日 23:30 Beijing (still the 3rd)
        slot('2026-05-03T16:00:00Z'), // 5月4日 00:00 Beijing: the next day, though UTC says the 3rd
        slot('2026-05-03T03:00:00Z'), // 5月3日 11:00
      ],
      now,
    )
    expect(groups.map((group) => group.key)).toEqual(['2026-05-03', '2026-05-04'])
    expect(groups[0].items.map((item) => item.startsAt)).toEqual(['2026-05-03T03:00:00Z', '2026-05-03T15:30:00Z'])
    expect(groups[1].items.map((item) => item.startsAt)).toEqual(['2026-05-03T16:00:00Z', '2026-05-04T01:00:00Z'])
  })

  test('today and tomorrow are named, later days by date and weekday', () => {
    const groups = groupByDay(
      [slot('2026-05-03T03:00:00Z'), slot('2026-05-04T03:00:00Z'), slot('2026-05-06T03:00:00Z')],
      now,
    )
    expect(groups.map((group) => group.label)).toEqual(['今天 5月3日周日', '明天 5月4日周一', '5月6日周三'])
  })

  test('no slots, no groups', () => {
    expect(groupByDay([], now)).toEqual([])
  })

  test('a slot reads as its Beijing times', () => {
    expect(timeSpan(slot('2026-05-03T01:00:00Z', 45))).toBe('09:00–09:45')
  })
})

describe('the call window', () => {
  const consultation = {
    status: 'BOOKED',
    ...slot('2026-05-03T02:00:00Z', 30),
    callOpensAt: '2026-05-03T01:50:00Z',
  }

  test('opens 10 minutes before the start and closes at the end', () => {
    expect(callWindow(consultation, new Date('2026-05-03T01:49:59Z'))).toBe('early')
    expect(callWindow(consultation, new Date('2026-05-03T01:50:00Z'))).toBe('open')
    expect(callWindow(consultation, new Date('2026-05-03T02:30:00Z'))).toBe('open')
    expect(callWindow(consultation, new Date('2026-05-03T02:30:01Z'))).toBe('ended')
  })

  test('a cancelled or completed consultation has no call', () => {
    expect(callWindow({ ...consultation, status: 'CANCELLED' }, new Date('2026-05-03T02:00:00Z'))).toBe('closed')
    expect(callWindow({ ...consultation, status: 'COMPLETED' }, new Date('2026-05-03T02:00:00Z'))).toBe('closed')
  })

  test('the wait reads in days, hours and minutes', () => {
    const from = new Date('2026-05-03T00:00:00Z')
    expect(waitText('2026-05-03T00:00:30Z', from)).toBe('不到1分钟')
    expect(waitText('2026-05-03T00:12:00Z', from)).toBe('12分钟')
    expect(waitText('2026-05-03T02:05:00Z', from)).toBe('2小时5分钟')
    expect(waitText('2026-05-04T03:00:00Z', from)).toBe('1天3小时')
  })
})

describe('cancelling and the camera', () => {
  test('a farmer cancels until 2 hours before the start', () => {
    const booked = { status: 'BOOKED', ...slot('2026-05-03T04:00:00Z') }
    expect(farmerMayCancel(booked, new Date('2026-05-03T01:59:00Z'))).toBe(true)
    expect(farmerMayCancel(booked, new Date('2026-05-03T02:00:00Z'))).toBe(false)
    expect(farmerMayCancel({ ...booked, status: 'CANCELLED' }, new Date('2026-05-03T00:00:00Z'))).toBe(false)
  })

  test('each refusal of the camera is said in Chinese', () => {
    expect(mediaErrorText({ name: 'NotAllowedError' })).toContain('权限')
    expect(mediaErrorText({ name: 'NotFoundError' })).toBe('没有找到摄像头或麦克风')
    expect(mediaErrorText({ name: 'NotReadableError' })).toContain('别的应用')
    expect(mediaErrorText({ name: 'Unsupported' })).toContain('https')
    expect(mediaErrorText(new Error('x'))).toBe('打不开摄像头或麦克风，请稍后重试')
  })
})
