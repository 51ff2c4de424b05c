// Reading a notice aloud with the browser's speech synthesis, in a Chinese voice, for
// villagers who read with difficulty. Long text goes as sentences: some engines stop a
// single utterance after about 15 seconds.

const LONGEST = 120

/** Sentences of at most `longest` characters, cut after 。！？；, then after ，, then hard. */
export function speechChunks(text: string, longest = LONGEST): string[] {
  // Line breaks (paragraphs) end a sentence; other runs of white space are one space.
  const clean = text.replace(/[^\S\n]+/g, ' ').replace(/\s*\n\s*/g, '\n').trim()
  if (!clean) return []
  const sentences = clean.match(/[^。！？!?；;\n]+[。！？!?；;]*/g) ?? [clean]
  const chunks: string[] = []
  for (const sentence of sentences.map((s) => s.trim()).filter(Boolean)) {
    if (sentence.length <= longest) {
      chunks.push(sentence)
      continue
    }
    let rest = sentence
    while (rest.length > longest) {
      const comma = Math.max(rest.lastIndexOf('，', longest), rest.lastIndexOf(',', longest))
      const cut = comma > longest / 3 ? comma + 1 : longest
      chunks.push(rest.slice(0, cut).trim())
      rest = rest.slice(cut)
    }
    if (rest.trim()) chunks.push(rest.trim())
  }
  return chunks
}

/** The text of the server's sanitized HTML, paragraphs kept apart. */
export function htmlText(html: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html')
  doc.querySelectorAll('p, li, br, h1, h2, h3, h4, tr').forEach((node) => node.append('\n'))
  return doc.body.textContent ?? ''
}

export function canSpeak(): boolean {
  return typeof window !== 'undefined' && 'speechSynthesis' in window && typeof SpeechSynthesisUtterance === 'function'
}

function chineseVoice(): SpeechSynthesisVoice | undefined {
  const voices = window.speechSynthesis.getVoices()
  const lang = (voice: SpeechSynthesisVoice) => voice.lang.replace('_', '-').toLowerCase()
  return voices.find((voice) => lang(voice) === 'zh-cn') ?? voices.find((voice) => lang(voice).startsWith('zh'))
}

/** Speaks the text; `onEnd` runs once when it finished or was stopped. */
export function speak(text: string, onEnd: () => void): void {
  const synth = window.speechSynthesis
  synth.cancel()
  const chunks = speechChunks(text)
  if (!chunks.length) return onEnd()
  const voice = chineseVoice()
  chunks.forEach((chunk, index) => {
    const utterance = new SpeechSynthesisUtterance(chunk)
    utterance.lang = 'zh-CN'
    utterance.rate = 0.9 // a little slower than the default: clearer for older listeners
    if (voice) utterance.voice = voice
    if (index === chunks.length - 1) {
      utterance.onend = onEnd
      utterance.onerror = onEnd
    }
    synth.speak(utterance)
  })
}

export function stopSpeaking(): void {
  if (canSpeak()) window.speechSynthesis.cancel()
}
