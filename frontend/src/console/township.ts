// The township console's pure logic, kept out of the screens so Vitest covers it:
// money typed as text (fen exactly, never through a float), the finance statement's
// live totals and its "其他" warning (the server's rule, sannong/rules/finance.py),
// spreadsheet rows pasted as tab-separated text, and the Chinese labels of the enums.

// -- money -------------------------------------------------------------------------------

/** "1234.5" → 123450; null unless a non-negative amount with at most two decimals. */
export function yuanToFen(text: string): number | null {
  const match = /^\s*(\d{1,12})(?:\.(\d{0,2}))?\s*$/.exec(text.replace(/[,，]/g, ''))
  if (!match) return null
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'))
}

/** 123450 → "1234.50" (the API's Decimal in yuan). */
export function fenToYuan(fen: number): string {
  const sign = fen < 0 ? '-' : ''
  const abs = Math.abs(fen)
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

// -- finance statement -------------------------------------------------------------------

export type LineKind = 'INCOME' | 'EXPENSE'

export interface LineDraft {
  kind: LineKind
  category: string
  item: string
  amount: string
  note: string
}

export interface StatementDraft {
  period: string
  lines: LineDraft[]
  incomeTotal: string
  expenseTotal: string
}

export const OTHER_WORDS = ['其他', '其它', '杂项']
export const OTHER_SHARE_LIMIT = 0.05

export function isOther(category: string): boolean {
  const trimmed = category.trim()
  return OTHER_WORDS.some((word) => trimmed.startsWith(word))
}

export interface StatementTotals {
  incomeFen: number
  expenseFen: number
  /** Lines whose amount is not a valid yuan figure (index → true). */
  badAmounts: number[]
}

export function statementTotals(lines: LineDraft[]): StatementTotals {
  const totals: StatementTotals = { incomeFen: 0, expenseFen: 0, badAmounts: [] }
  lines.forEach((line, index) => {
    const fen = yuanToFen(line.amount)
    if (fen === null || fen === 0) {
      if (line.amount.trim()) totals.badAmounts.push(index)
      return
    }
    if (line.kind === 'INCOME') totals.incomeFen += fen
    else totals.expenseFen += fen
  })
  return totals
}

export interface OtherWarning {
  index: number
  percent: number
  message: string
}

/** As the server warns: each 其他 line above 5 % of its side's total (the sum of lines). */
export function otherWarnings(lines: LineDraft[], totals: StatementTotals): OtherWarning[] {
  const warnings: OtherWarning[] = []
  lines.forEach((line, index) => {
    const fen = yuanToFen(line.amount)
    const whole = line.kind === 'INCOME' ? totals.incomeFen : totals.expenseFen
    if (!fen || !whole || !isOther(line.category)) return
    // The server compares the share rounded to four places: so do we.
    const share = Math.round((fen / whole) * 10000) / 10000
    if (share <= OTHER_SHARE_LIMIT) return
    const side = line.kind === 'INCOME' ? '收入' : '支出'
    const percent = Math.round(share * 1000) / 10
    warnings.push({
      index,
      percent,
      message: `「${line.category.trim()}·${line.item.trim()}」${fenToYuan(fen)} 元，占${side}合计的 ${percent}%，超过 5%，应列明具体用途`,
    })
  })
  return warnings
}

// -- pasted spreadsheet rows -------------------------------------------------------------

/** Rows of cells from what a spreadsheet puts on the clipboard (tabs and newlines; a
 * quoted cell may hold tabs or newlines). Blank trailing rows are dropped. */
export function parseTsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  const input = text.replace(/\r\n?/g, '\n')
  for (let i = 0; i < input.length; i++) {
    const char = input[i]
    if (quoted) {
      if (char === '"' && input[i + 1] === '"') {
        cell += '"'
        i++
      } else if (char === '"') quoted = false
      else cell += char
    } else if (char === '"' && cell === '') quoted = true
    else if (char === '\t') {
      row.push(cell)
      cell = ''
    } else if (char === '\n') {
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
    } else cell += char
  }
  if (cell !== '' || row.length) {
    row.push(cell)
    rows.push(row)
  }
  while (rows.length && rows[rows.length - 1].every((value) => value.trim() === '')) rows.pop()
  return rows.map((cells) => cells.map((value) => value.trim()))
}

export const PRICE_COLUMNS = ['date', 'market', 'commodity', 'unit', 'low', 'avg', 'high'] as const
export type PriceColumn = (typeof PRICE_COLUMNS)[number]
export type PriceCells = Record<PriceColumn, string>

export const PRICE_COLUMN_NAMES: Record<PriceColumn, string> = {
  date: '日期',
  market: '市场',
  commodity: '品种',
  unit: '单位',
  low: '最低价',
  avg: '均价',
  high: '最高价',
}

export function blankPriceCells(date = ''): PriceCells {
  return { date, market: '', commodity: '', unit: '', low: '', avg: '', high: '' }
}

/** A header row a spreadsheet copy often starts with: skipped, not a bad row. */
export function isHeaderRow(cells: string[]): boolean {
  const names = Object.values(PRICE_COLUMN_NAMES)
  return cells.some((cell) => names.includes(cell)) && !cells.some((cell) => /^\d+(\.\d+)?$/.test(cell))
}

/** 2026/5/3 or 2026-05-03 → 2026-05-03; null when not a real calendar day. */
export function normalDate(text: string): string | null {
  const match = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(text.trim())
  if (!match) return null
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const probe = new Date(Date.UTC(year, month - 1, day))
  if (probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return null
  return `${match[1]}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

/** The price as the API's Decimal, or null (what the GraphQL scalar itself would refuse). */
export function normalPrice(text: string): string | null {
  const fen = yuanToFen(text)
  return fen === null ? null : fenToYuan(fen)
}

// -- labels ------------------------------------------------------------------------------

export const NOTICE_CATEGORIES: [string, string][] = [
  ['ANNOUNCEMENT', '通知公告'],
  ['SUBSIDY', '惠农补贴'],
  ['POLICY', '政策法规'],
  ['VILLAGE_AFFAIRS', '村务公开'],
  ['PARTY_AFFAIRS', '党务公开'],
  ['FINANCE', '财务公开'],
  ['EMERGENCY', '应急预警'],
  ['EMPLOYMENT', '就业招聘'],
]

export const FEEDBACK_STATUS: Record<string, string> = {
  ACCEPTED: '已受理',
  IN_PROGRESS: '办理中',
  RESOLVED: '已办结',
  REJECTED: '不予受理',
}

export const FEEDBACK_KIND: Record<string, string> = {
  INQUIRY: '咨询',
  COMPLAINT: '投诉',
  SUGGESTION: '建议',
}

/** The states a reply may move a ticket to (sannong/rules/feedback.py MOVES). */
export const FEEDBACK_MOVES: Record<string, string[]> = {
  ACCEPTED: ['IN_PROGRESS', 'RESOLVED', 'REJECTED'],
  IN_PROGRESS: ['IN_PROGRESS', 'RESOLVED', 'REJECTED'],
}

export const FEEDBACK_OUTCOME: Record<string, string> = {
  SOLVED: '已解决',
  PARTLY_SOLVED: '部分解决',
  NOT_SOLVED: '未解决',
}

export const AUDIT_ACTION: Record<string, string> = {
  PUBLISH_NOTICE: '发布通知',
  UPDATE_NOTICE: '修改通知',
  WITHDRAW_NOTICE: '撤回通知',
  REPLY_FEEDBACK: '答复工单',
  HIDE_LISTING: '屏蔽商品',
  RESTORE_LISTING: '恢复商品',
  GRANT_ROLE: '授予角色',
  REPORT_PRICES: '上报价格',
  CREATE_ALERT: '发布预警',
}

/** A percentage of a part in a whole, for tables and bars: 0 when the whole is 0. */
export function percentOf(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0
}

/** "2026-05-03T18:00" typed in a datetime-local field, as Beijing time → ISO with offset. */
export function beijingIso(local: string): string | null {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(local) ? `${local}:00+08:00` : null
}
