import { describe, expect, test } from 'vitest'
import { balanceText, financeSides, financeSummary, percentText } from '../src/finance'
import { ticketSteps } from '../src/notices'
import { speechChunks } from '../src/speech'

// 孙家集村's statement of the seed: 其他支出 is over half of the expense.
const BY_CATEGORY = [
  { kind: 'INCOME', category: '补助收入', amount: '60000.00', percent: 37.97 },
  { kind: 'INCOME', category: '发包及上交收入', amount: '98000.00', percent: 62.03 },
  { kind: 'EXPENSE', category: '公益支出', amount: '12500.00', percent: 27.97 },
  { kind: 'EXPENSE', category: '管理费用', amount: '8600.00', percent: 19.24 },
  { kind: 'EXPENSE', category: '其他支出', amount: '23800.00', percent: 53.24 },
]
const TOTALS = { incomeTotal: '158000.00', expenseTotal: '44900.00' }

describe('finance chart', () => {
  test('each side lists its categories largest first, with its total', () => {
    const [income, expense] = financeSides(BY_CATEGORY, TOTALS)
    expect(income.title).toBe('收入')
    expect(income.total).toBe('15.8万元')
    expect(income.bars.map((bar) => bar.category)).toEqual(['发包及上交收入', '补助收入'])
    expect(expense.title).toBe('支出')
    expect(expense.total).toBe('4.49万元')
    expect(expense.bars.map((bar) => bar.category)).toEqual(['其他支出', '公益支出', '管理费用'])
  })

  test('bars share one scale: the largest category of either side is full width', () => {
    const [income, expense] = financeSides(BY_CATEGORY, TOTALS)
    expect(income.bars[0].width).toBe(100)
    expect(expense.bars[0].width).toBeCloseTo((23800 / 98000) * 100, 1)
    expect(expense.bars[2].width).toBeCloseTo((8600 / 98000) * 100, 1)
  })

  test('其他 categories are marked, amounts and shares written out', () => {
    const expense = financeSides(BY_CATEGORY, TOTALS)[1]
    expect(expense.bars[0]).toMatchObject({ category: '其他支出', other: true, amount: '2.38万元', share: '53.2%' })
    expect(expense.bars[1]).toMatchObject({ other: false, amount: '1.25万元', share: '28%' })
  })

  test('a tiny category still shows a sliver, an empty statement no bars', () => {
    const sides = financeSides(
      [
        { kind: 'INCOME', category: '利息收入', amount: '1.00', percent: 0.01 },
        { kind: 'INCOME', category: '补助收入', amount: '100000.00', percent: 99.99 },
      ],
      { incomeTotal: '100001.00', expenseTotal: '0' },
    )
    expect(sides[0].bars[1].width).toBe(1)
    expect(sides[1].bars).toEqual([])
    expect(financeSides([], { incomeTotal: '0', expenseTotal: '0' }).every((side) => side.bars.length === 0)).toBe(true)
  })

  test('percentages without trailing zeros', () => {
    expect(percentText(50)).toBe('50%')
    expect(percentText(53.24)).toBe('53.2%')
    expect(percentText(0.04)).toBe('0%')
  })

  test('the balance says 结余 or 超支', () => {
    expect(balanceText('113100.00')).toBe('结余 11.31万元')
    expect(balanceText('-3000')).toBe('超支 3000.00元')
    expect(balanceText('x')).toBe('—')
  })

  test('the summary a screen reader hears names every category', () => {
    const text = financeSummary('2026 年第三季度', financeSides(BY_CATEGORY, TOTALS), '113100.00')
    expect(text).toBe(
      '2026 年第三季度，收入合计15.8万元：发包及上交收入9.8万元，占62%；补助收入6万元，占38%。' +
        '支出合计4.49万元：其他支出2.38万元，占53.2%；公益支出1.25万元，占28%；管理费用8600.00元，占19.2%。结余 11.31万元。',
    )
  })
})

describe('ticket steps', () => {
  const created = '2026-11-20T02:00:00Z'

  test('a new ticket stands at 已受理 with the steps ahead open', () => {
    const { steps, active } = ticketSteps({ status: 'ACCEPTED', createdAt: created, replies: [] })
    expect(active).toBe(0)
    expect(steps.map((step) => step.title)).toEqual(['已受理', '办理中', '已办结'])
    expect(steps.map((step) => step.at)).toEqual([created, null, null])
  })

  test('each step carries the time of the reply that reached it', () => {
    const replies = [
      { status: 'IN_PROGRESS', at: '2026-11-21T02:00:00Z' },
      { status: 'RESOLVED', at: '2026-11-22T02:00:00Z' },
    ]
    const { steps, active } = ticketSteps({ status: 'RESOLVED', createdAt: created, replies })
    expect(active).toBe(2)
    expect(steps.map((step) => step.at)).toEqual([created, replies[0].at, replies[1].at])
  })

  test('a rejected ticket ends in 不予受理, even straight from 已受理', () => {
    const { steps, active } = ticketSteps({
      status: 'REJECTED',
      createdAt: created,
      closedAt: '2026-11-23T02:00:00Z',
      replies: [{ status: 'REJECTED', at: '2026-11-23T02:00:00Z' }],
    })
    expect(active).toBe(2)
    expect(steps.map((step) => step.title)).toEqual(['已受理', '办理中', '不予受理'])
    expect(steps[1].at).toBeNull()
    expect(steps[2].at).toBe('2026-11-23T02:00:00Z')
  })
})

describe('reading aloud', () => {
  test('text goes as sentences', () => {
    expect(speechChunks('请各户核对面积。有误的到村委会更正！谢谢')).toEqual(['请各户核对面积。', '有误的到村委会更正！', '谢谢'])
  })

  test('a long sentence is cut after a comma, or hard when there is none', () => {
    const long = `${'甲'.repeat(50)}，${'乙'.repeat(50)}，${'丙'.repeat(50)}。`
    const chunks = speechChunks(long, 120)
    expect(chunks).toEqual([`${'甲'.repeat(50)}，${'乙'.repeat(50)}，`, `${'丙'.repeat(50)}。`])
    expect(speechChunks('字'.repeat(250), 120).map((chunk) => chunk.length)).toEqual([120, 120, 10])
  })

  test('blank text says nothing; spaces and line breaks collapse', () => {
    expect(speechChunks('  \n ')).toEqual([])
    expect(speechChunks('第一段\n\n第二段')).toEqual(['第一段', '第二段'])
  })
})
