import { describe, expect, test } from 'vitest'
import {
  beijingIso,
  fenToYuan,
  isHeaderRow,
  normalDate,
  normalPrice,
  otherWarnings,
  parseTsv,
  percentOf,
  statementTotals,
  yuanToFen,
  type LineDraft,
} from '../src/console/township'

describe('money typed as text', () => {
  test('yuan to fen exactly, without a float', () => {
    expect(yuanToFen('1234.5')).toBe(123450)
    expect(yuanToFen('0.07')).toBe(7)
    expect(yuanToFen('19.99')).toBe(1999)
    expect(yuanToFen('12,000')).toBe(1200000)
    expect(yuanToFen(' 8 ')).toBe(800)
  })

  test('a third decimal, a sign or words are not money', () => {
    expect(yuanToFen('1.234')).toBeNull()
    expect(yuanToFen('-3')).toBeNull()
    expect(yuanToFen('abc')).toBeNull()
    expect(yuanToFen('')).toBeNull()
  })

  test('fen back to the API decimal', () => {
    expect(fenToYuan(123450)).toBe('1234.50')
    expect(fenToYuan(7)).toBe('0.07')
    expect(fenToYuan(-250)).toBe('-2.50')
  })
})

const line = (kind: 'INCOME' | 'EXPENSE', category: string, amount: string): LineDraft => ({
  kind,
  category,
  item: '事项',
  amount,
  note: '',
})

describe('finance statement', () => {
  test('live totals per side; bad amounts are named, not summed', () => {
    const totals = statementTotals([
      line('INCOME', '经营收入', '1000.10'),
      line('INCOME', '补助收入', '0.90'),
      line('EXPENSE', '公益支出', '300'),
      line('EXPENSE', '管理费用', '1.2.3'),
    ])
    expect(totals).toEqual({ incomeFen: 100100, expenseFen: 30000, badAmounts: [3] })
  })

  test('a 其他 line above 5 % of its side is warned about, as the server does', () => {
    const lines = [line('EXPENSE', '公益支出', '900'), line('EXPENSE', '其他支出', '100'), line('INCOME', '其它收入', '50')]
    const warnings = otherWarnings(lines, statementTotals(lines))
    expect(warnings.map((w) => [w.index, w.percent])).toEqual([
      [1, 10],
      [2, 100],
    ])
    expect(warnings[0].message).toContain('占支出合计的 10%')
  })

  test('exactly 5 % is not warned about', () => {
    const lines = [line('EXPENSE', '公益支出', '95'), line('EXPENSE', '杂项', '5')]
    expect(otherWarnings(lines, statementTotals(lines))).toEqual([])
  })
})

describe('pasted spreadsheet rows', () => {
  test('tabs and newlines, Windows line ends, a trailing blank line', () => {
    expect(parseTsv('a\tb\r\nc\td\r\n\r\n')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ])
  })

  test('a quoted cell keeps its tab and newline', () => {
    expect(parseTsv('"x\ty"\t"line\none"\tz')).toEqual([['x\ty', 'line\none', 'z']])
  })

  test('a header row is recognised', () => {
    expect(isHeaderRow(['日期', '市场', '品种', '单位', '最低价', '均价', '最高价'])).toBe(true)
    expect(isHeaderRow(['2026-05-01', '寿光农产品物流园', '黄瓜', '元/公斤', '2', '2.5', '3'])).toBe(false)
  })

  test('dates a spreadsheet writes become ISO days; impossible days are refused', () => {
    expect(normalDate('2026/5/3')).toBe('2026-05-03')
    expect(normalDate('2026年5月3日')).toBe('2026-05-03')
    expect(normalDate('2026-02-30')).toBeNull()
    expect(normalDate('5/3')).toBeNull()
  })

  test('prices become decimals the API reads', () => {
    expect(normalPrice('2.5')).toBe('2.50')
    expect(normalPrice('两块')).toBeNull()
  })
})

test('percentages and Beijing times', () => {
  expect(percentOf(1, 3)).toBe(33.3)
  expect(percentOf(1, 0)).toBe(0)
  expect(beijingIso('2026-05-03T18:00')).toBe('2026-05-03T18:00:00+08:00')
  expect(beijingIso('')).toBeNull()
})
