// Names a villager reads for the notices' and tickets' enums, and the steps a ticket
// goes through (已受理 → 办理中 → 已办结, or 不予受理 instead of the last).

export const NOTICE_CATEGORIES: [string, string][] = [
  ['PARTY_AFFAIRS', '党务公开'],
  ['VILLAGE_AFFAIRS', '村务公开'],
  ['FINANCE', '财务公开'],
  ['SUBSIDY', '惠农补贴'],
  ['POLICY', '政策法规'],
  ['ANNOUNCEMENT', '通知公告'],
  ['EMERGENCY', '应急预警'],
  ['EMPLOYMENT', '就业招聘'],
]

export const FEEDBACK_KINDS: [string, string][] = [
  ['COMPLAINT', '投诉'],
  ['INQUIRY', '咨询'],
  ['SUGGESTION', '建议'],
]

export const FEEDBACK_KIND: Record<string, string> = Object.fromEntries(FEEDBACK_KINDS)

export const FEEDBACK_STATUS: Record<string, string> = {
  ACCEPTED: '已受理',
  IN_PROGRESS: '办理中',
  RESOLVED: '已办结',
  REJECTED: '不予受理',
}

export const FEEDBACK_OUTCOMES: [string, string][] = [
  ['SOLVED', '已解决'],
  ['PARTLY_SOLVED', '部分解决'],
  ['NOT_SOLVED', '未解决'],
]

export const FEEDBACK_OUTCOME: Record<string, string> = Object.fromEntries(FEEDBACK_OUTCOMES)

export interface TicketStep {
  status: string
  title: string
  /** When the ticket reached it; null for a step still ahead. */
  at: string | null
}

interface Ticket {
  status: string
  createdAt: string
  closedAt?: string | null
  replies: { status: string; at: string }[]
}

/** The ticket's road for van-steps: every step with the time it was reached, and the
 * index of the current one. A rejected ticket ends in 不予受理 instead of 已办结. */
export function ticketSteps(ticket: Ticket): { steps: TicketStep[]; active: number } {
  const last = ticket.status === 'REJECTED' ? 'REJECTED' : 'RESOLVED'
  const road = ['ACCEPTED', 'IN_PROGRESS', last]
  const reached = (status: string): string | null => {
    if (status === 'ACCEPTED') return ticket.createdAt
    return ticket.replies.find((reply) => reply.status === status)?.at ?? null
  }
  const steps = road.map((status) => ({ status, title: FEEDBACK_STATUS[status], at: reached(status) }))
  // A ticket closed straight from 已受理 skips 办理中; the current step is its status.
  const active = Math.max(0, road.indexOf(ticket.status))
  if (active === 2 && !steps[2].at) steps[2].at = ticket.closedAt ?? null
  return { steps, active }
}

/** Tag colours of a ticket's state. */
export const FEEDBACK_TAG: Record<string, 'primary' | 'success' | 'danger' | 'warning'> = {
  ACCEPTED: 'warning',
  IN_PROGRESS: 'primary',
  RESOLVED: 'success',
  REJECTED: 'danger',
}
