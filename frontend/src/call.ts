// The consultation's 1:1 video call: WebRTC between the two phones, the API relaying the
// signalling (sendCallSignal / callSignals). No Vue here: CallView drives it.
//
// Roles are fixed, so the two never offer at once: the expert offers, the farmer
// answers. The API does not replay signals sent before one subscribed, so:
// - the offerer offers when it joins, and re-sends that offer twice if no answer comes
//   (a party whose subscription was still starting hears it the second time);
// - the answerer says READY when it joins (and twice more until an offer comes); READY
//   makes the offerer re-send its unanswered offer, or start a fresh negotiation when
//   it had none pending (the farmer reloaded mid-call);
// - every negotiation has a session id; an offer with a new id replaces the answerer's
//   connection, an offer already answered gets the same answer again, and candidates or
//   answers of another session are dropped.

export type CallRole = 'offerer' | 'answerer'
export type SignalKind = 'OFFER' | 'ANSWER' | 'ICE_CANDIDATE' | 'HANG_UP' | 'READY'

export interface IncomingSignal {
  kind: SignalKind
  payload: string
}

/** What the screen shows: the peer connection's state, or where the call stands before it. */
export type CallState = RTCPeerConnectionState | 'waiting' | 'hung-up' | 'ended'

export interface CallOptions {
  role: CallRole
  iceServers: RTCIceServer[]
  send: (kind: SignalKind, payload: string) => Promise<void>
  onRemoteStream: (stream: MediaStream | null) => void
  onState: (state: CallState) => void
  /** Re-sends (ms after the first) of an unanswered offer or of READY. */
  retries?: number[]
}

interface Envelope {
  s?: string
  sdp?: string
  c?: RTCIceCandidateInit
}

function parse(payload: string): Envelope {
  try {
    const value = JSON.parse(payload)
    return value && typeof value === 'object' ? (value as Envelope) : {}
  } catch {
    return {}
  }
}

function newSessionId(): string {
  return typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`
}

export class Call {
  private pc: RTCPeerConnection | null = null
  private session: string | null = null
  private answered = false
  private lastAnswer: string | null = null
  private local: MediaStream | null = null
  private early = new Map<string, RTCIceCandidateInit[]>()
  private timers: number[] = []
  private chain: Promise<void> = Promise.resolve()
  private closed = false
  private readonly retries: number[]

  constructor(private readonly options: CallOptions) {
    this.retries = options.retries ?? [3000, 8000]
  }

  /** Joins with the camera's stream (null: receive only). */
  start(local: MediaStream | null): void {
    this.local = local
    this.closed = false
    this.options.onState('waiting')
    if (this.options.role === 'offerer') this.enqueue(() => this.offer())
    else this.sayReady()
  }

  /** The camera came back (permission given later): negotiate again with it. */
  replaceLocal(local: MediaStream | null): void {
    this.local = local
    if (this.options.role === 'offerer') this.enqueue(() => this.offer())
    else this.sayReady()
  }

  /** Signals are handled one at a time, in the order they came. */
  receive(signal: IncomingSignal): void {
    this.enqueue(() => this.handle(signal))
  }

  async hangUp(): Promise<void> {
    if (this.closed) return
    this.close()
    this.options.onState('ended')
    await this.options.send('HANG_UP', '{}').catch(() => undefined)
  }

  close(): void {
    this.closed = true
    this.clearTimers()
    this.dropConnection()
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(step).catch((error) => console.warn('call:', error))
  }

  private clearTimers(): void {
    for (const timer of this.timers) window.clearTimeout(timer)
    this.timers = []
  }

  private later(step: () => void): void {
    for (const delay of this.retries) this.timers.push(window.setTimeout(() => !this.closed && step(), delay))
  }

  private sayReady(): void {
    this.clearTimers()
    void this.options.send('READY', '{}')
    this.later(() => {
      if (!this.session) void this.options.send('READY', '{}')
    })
  }

  private dropConnection(): void {
    if (this.pc) {
      this.pc.onicecandidate = this.pc.ontrack = this.pc.onconnectionstatechange = null
      this.pc.close()
    }
    this.pc = null
    this.options.onRemoteStream(null)
  }

  private connect(session: string): RTCPeerConnection {
    this.dropConnection()
    const pc = new RTCPeerConnection({ iceServers: this.options.iceServers })
    this.pc = pc
    this.session = session
    const tracks = this.local?.getTracks() ?? []
    for (const track of tracks) pc.addTrack(track, this.local as MediaStream)
    // Without a camera or microphone of one's own, the offer still asks to receive them
    // (the answerer's side follows the offer's lines by itself).
    if (this.options.role === 'offerer') {
      for (const kind of ['audio', 'video'] as const) {
        if (!tracks.some((track) => track.kind === kind)) pc.addTransceiver(kind, { direction: 'recvonly' })
      }
    }
    pc.onicecandidate = (event) => {
      if (event.candidate) void this.options.send('ICE_CANDIDATE', JSON.stringify({ s: session, c: event.candidate.toJSON() }))
    }
    const remote = new MediaStream()
    pc.ontrack = (event) => {
      const stream = event.streams[0] ?? remote
      if (!event.streams[0]) remote.addTrack(event.track)
      this.options.onRemoteStream(stream)
    }
    pc.onconnectionstatechange = () => {
      if (this.pc !== pc) return
      this.options.onState(pc.connectionState)
      // The offerer starts over when the path is lost for good (a network change).
      if (pc.connectionState === 'failed' && this.options.role === 'offerer') this.enqueue(() => this.offer())
    }
    return pc
  }

  private async offer(): Promise<void> {
    if (this.closed) return
    this.clearTimers()
    const session = newSessionId()
    const pc = this.connect(session)
    this.answered = false
    await pc.setLocalDescription(await pc.createOffer())
    const payload = JSON.stringify({ s: session, sdp: pc.localDescription?.sdp })
    await this.options.send('OFFER', payload)
    this.later(() => {
      if (this.session === session && !this.answered) void this.options.send('OFFER', payload)
    })
  }

  private async addCandidate(pc: RTCPeerConnection, candidate: RTCIceCandidateInit): Promise<void> {
    try {
      await pc.addIceCandidate(candidate)
    } catch (error) {
      console.warn('call: candidate refused', error)
    }
  }

  private async flushEarly(session: string, pc: RTCPeerConnection): Promise<void> {
    const waiting = this.early.get(session) ?? []
    this.early.clear()
    for (const candidate of waiting) await this.addCandidate(pc, candidate)
  }

  private async handle({ kind, payload }: IncomingSignal): Promise<void> {
    if (this.closed) return
    const message = parse(payload)
    if (kind === 'HANG_UP') {
      this.dropConnection()
      this.session = null
      this.lastAnswer = null
      this.options.onState('hung-up')
      return
    }
    if (this.options.role === 'offerer') {
      if (kind === 'READY') {
        const pending = this.pc && this.session && !this.answered && this.pc.signalingState === 'have-local-offer'
        if (pending && this.pc?.localDescription) {
          await this.options.send('OFFER', JSON.stringify({ s: this.session, sdp: this.pc.localDescription.sdp }))
        } else {
          await this.offer()
        }
      } else if (kind === 'ANSWER' && message.s === this.session && message.sdp && this.pc) {
        if (this.pc.signalingState !== 'have-local-offer') return // a repeated answer
        this.answered = true
        this.clearTimers()
        await this.pc.setRemoteDescription({ type: 'answer', sdp: message.sdp })
        await this.flushEarly(message.s, this.pc)
      } else if (kind === 'ICE_CANDIDATE') {
        await this.candidate(message)
      }
      return
    }
    // The answerer.
    if (kind === 'OFFER' && message.s && message.sdp) {
      this.clearTimers() // the offerer is here: no more READY
      if (message.s === this.session && this.lastAnswer) {
        await this.options.send('ANSWER', JSON.stringify({ s: message.s, sdp: this.lastAnswer }))
        return
      }
      const pc = this.connect(message.s)
      this.lastAnswer = null
      await pc.setRemoteDescription({ type: 'offer', sdp: message.sdp })
      await this.flushEarly(message.s, pc)
      await pc.setLocalDescription(await pc.createAnswer())
      this.lastAnswer = pc.localDescription?.sdp ?? null
      await this.options.send('ANSWER', JSON.stringify({ s: message.s, sdp: this.lastAnswer }))
    } else if (kind === 'ICE_CANDIDATE') {
      await this.candidate(message)
    }
  }

  private async candidate(message: Envelope): Promise<void> {
    if (!message.s || !message.c) return
    if (message.s === this.session && this.pc?.remoteDescription) {
      await this.addCandidate(this.pc, message.c)
    } else {
      // Before its offer or answer was applied: kept until then.
      const list = this.early.get(message.s) ?? []
      list.push(message.c)
      this.early.set(message.s, list)
    }
  }
}

/** The camera and microphone; without a camera, the microphone alone. */
export async function openMedia(): Promise<{ stream: MediaStream; videoMissing: boolean }> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw Object.assign(new Error('getUserMedia is missing'), { name: 'Unsupported' })
  }
  const video = { facingMode: 'user', width: { ideal: 640 }, height: { ideal: 480 } }
  try {
    return { stream: await navigator.mediaDevices.getUserMedia({ video, audio: true }), videoMissing: false }
  } catch (error) {
    const name = (error as { name?: string }).name
    if (name !== 'NotFoundError' && name !== 'OverconstrainedError' && name !== 'NotReadableError') throw error
    return { stream: await navigator.mediaDevices.getUserMedia({ audio: true }), videoMissing: true }
  }
}
