import { describe, expect, test } from 'vitest'
import { LIMITS, lengthOf, lengthProblem } from '../src/limits'

describe('text limits', () => {
  test('a text that fits has no problem', () => {
    expect(lengthProblem('村口路灯坏了', LIMITS.feedbackText, '内容')).toBe('')
    expect(lengthProblem('字'.repeat(1000), LIMITS.feedbackText, '内容')).toBe('')
  })

  test('too long says by how much, in words an older farmer acts on', () => {
    expect(lengthProblem('字'.repeat(2000), LIMITS.feedbackText, '内容')).toBe('内容有 2000 个字，最多 1000 个字：请删去 1000 个字再提交')
  })

  test('characters are counted as the server counts them: code points, trimmed', () => {
    expect(lengthOf('  𠀀𠀁  ')).toBe(2) // two characters outside the BMP, four UTF-16 units
  })
})
