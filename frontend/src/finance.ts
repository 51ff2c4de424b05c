// A finance statement (财务公开) as a villager reads it: one bar per category on each
// side (收入, 支出), as wide as its share of the larger side, with the amount and share
// written out, and the 其他 lines the server warns about marked.
import { yuan } from './format'

export interface CategoryTotal {
  kind: string
  category: string
  amount: string
  percent: number
}

export interface Bar {
  category: string
  amount: string
  /** 0–100: the bar's width against the largest bar of either side. */
  width: number
  /** E.g. 52.3% */
  share: string
  /** 其他… categories are the ones villagers ask about. */
  other: boolean
}

export interface Side {
  kind: 'INCOME' | 'EXPENSE'
  title: string
  total: string
  bars: Bar[]
}

export const SIDE_TITLE: Record<string, string> = { INCOME: '收入', EXPENSE: '支出' }

/** "52.3%", no trailing zeros: 50% not 50.0%. */
export function percentText(percent: number): string {
  return `${Number(percent.toFixed(1))}%`
}

/** Both sides of the chart, largest category first; widths share one scale so a
 * small income beside a large expense looks small. */
export function financeSides(byCategory: CategoryTotal[], totals: { incomeTotal: string; expenseTotal: string }): Side[] {
  const largest = Math.max(0, ...byCategory.map((t) => Number(t.amount)))
  const sides: Side[] = []
  for (const kind of ['INCOME', 'EXPENSE'] as const) {
    const bars = byCategory
      .filter((t) => t.kind === kind)
      .sort((a, b) => Number(b.amount) - Number(a.amount))
      .map((t) => ({
        category: t.category,
        amount: yuan(t.amount),
        width: largest > 0 ? Math.max(1, Math.round((Number(t.amount) / largest) * 1000) / 10) : 0,
        share: percentText(t.percent),
        other: t.category.startsWith('其他'),
      }))
    sides.push({ kind, title: SIDE_TITLE[kind], total: yuan(kind === 'INCOME' ? totals.incomeTotal : totals.expenseTotal), bars })
  }
  return sides
}

/** 结余 12.5万元 / 超支 3000.00元: the balance as a sentence's subject. */
export function balanceText(balance: string): string {
  const amount = Number(balance)
  if (!Number.isFinite(amount)) return '—'
  return amount < 0 ? `超支 ${yuan(-amount)}` : `结余 ${yuan(amount)}`
}

/** What a screen reader (and the read-aloud) says for the whole chart. */
export function financeSummary(period: string, sides: Side[], balance: string): string {
  const parts = sides.map((side) => {
    const items = side.bars.map((bar) => `${bar.category}${bar.amount}，占${bar.share}`).join('；')
    return `${side.title}合计${side.total}${items ? `：${items}` : ''}`
  })
  return `${period}，${parts.join('。')}。${balanceText(balance)}。`
}
