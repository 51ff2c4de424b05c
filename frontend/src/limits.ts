// The API's limits on what a farmer types, the same numbers as sannong/rules
// (tests/test_app_limits.py reads this file and compares). A form never cuts a text to
// fit, as a field's maxlength does to a pasted one: it says how much is too much, before
// sending, and sends nothing until it fits.

export const LIMITS = {
  feedbackText: 1000,
  feedbackComment: 200,
  orderNote: 200,
  listingCommodity: 20,
  listingTitle: 40,
  listingDescription: 500,
  questionCrop: 20,
  questionText: 1000,
  bookingTopic: 40,
  bookingCrop: 20,
  bookingDescription: 500,
  consultationComment: 200,
  consultationMessage: 200,
} as const

/** Characters as the server counts them (code points, after trimming). */
export function lengthOf(text: string): number {
  return [...text.trim()].length
}

/** '' when `text` fits; else what to do, e.g. 内容有 2000 个字，最多 1000 个字：请删去 1000 个字再提交. */
export function lengthProblem(text: string, max: number, label: string): string {
  const length = lengthOf(text)
  if (length <= max) return ''
  return `${label}有 ${length} 个字，最多 ${max} 个字：请删去 ${length - max} 个字再提交`
}
