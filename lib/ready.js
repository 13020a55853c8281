'use strict'
// One crossing for many (DESIGN §3): every native wait of this thread (a
// response head, a body or event batch becoming readable, upload credit)
// completes through one ready-queue (src/ready_queue.rs). A completion
// that finds the queue empty wakes this thread once; `drain` then takes
// every completion that arrived meanwhile, across all exchanges, and
// settles each waiting promise in that one turn.
//
// Keeping the process alive (DESIGN §3: only while a JS promise waits on
// something native): a wait is `strong` when a user's promise depends on
// it (fetch() waiting for its head, a read, an iterator's next(), an upload
// write); the queue's threadsafe function is held (ref'd) while at least
// one strong wait is pending. A background watch (`weak`) never keeps the
// process alive, and a weak wait that a read then awaits turns strong.

const { binding } = require('./native')

/**
 * Pending waits by token: a token is an index into this array, and a slot
 * is reused once its wait has settled (each armed wait completes exactly
 * once, so no late completion can reach a reused slot). An array and a
 * free list cost less per wait than a Map's set/get/delete (fan-in
 * profile: ~0.5 µs per event).
 */
const waits = []
/** Slots whose waits settled, free for the next waits (a stack). */
const freeSlots = []
/** Strong waits pending; the queue is held while this is above 0. */
let strongCount = 0
/**
 * Where drainReady writes (src/ready_queue.rs): a count and a "more" flag,
 * then `[token, state, length]` per completed wait. One buffer, reused.
 */
const out = new Uint32Array(2 + 3 * 1024)
/**
 * drainReady states beyond a wait's own 0 or 1: an event wait's batch came
 * with it, and the stream's next wait is re-armed (2) or not (3: the batch
 * ended the stream).
 */
const DELIVERED_REARMED = 2
/**
 * `wanting[token]` is 1 while a consumer awaits event wait `token`: only
 * then does the drain take that stream's batch (backpressure). Grown as
 * tokens grow; drainReady reads it in each call.
 */
let wanting = new Uint8Array(1024)

function drain () {
  // Each round takes what fits in `out` (and up to 1 MiB of batches); the
  // native side says when the queue is empty. Bounded by what is queued.
  for (;;) {
    const text = binding.drainReady(queue, out, wanting)
    const end = 2 + out[0]
    let at = 0
    for (let i = 2; i < end; i += 3) {
      const state = out[i + 1]
      if (state < DELIVERED_REARMED) {
        settle(out[i], state)
      } else {
        const length = out[i + 2]
        const batch = length === text.length ? text : text.slice(at, at + length)
        at += length
        deliver(out[i], batch, state === DELIVERED_REARMED)
      }
    }
    if (out[1] === 0) break
  }
}

/** This copy's queue: each loaded copy of this module has its own tokens. */
const queue = binding.installReadyQueue(drain)

function settle (token, value) {
  const wait = waits[token]
  if (wait === undefined) return
  waits[token] = undefined
  freeSlots.push(token)
  wait.complete(value)
}

/** Event wait `token` completed with its stream's batch (see EventWait). */
function deliver (token, text, rearmed) {
  const wait = waits[token]
  if (wait === undefined) return
  if (!rearmed) {
    waits[token] = undefined
    freeSlots.push(token)
  }
  wait.delivered(text, rearmed)
}

function hold () {
  if (strongCount++ === 0) binding.holdReady(queue, true)
}

function release () {
  if (--strongCount === 0) binding.holdReady(queue, false)
}

/** A pending native wait; `promise` resolves with its value (1 done, 0 never will). */
class Wait {
  constructor (strong) {
    this.strong = strong
    this.resolve = null
    this.promise = new Promise((resolve) => { this.resolve = resolve })
    if (strong) hold()
  }

  complete (value) {
    const resolve = this.resolve
    this.resolve = null // settled: hold() is a no-op from now on
    if (this.strong) release()
    resolve(value)
  }

  /** A user's promise now depends on this wait: keep the process alive until it completes. */
  hold () {
    if (!this.strong && this.resolve !== null) {
      this.strong = true
      hold()
    }
  }
}

/**
 * An event stream's wait (readEventsOrWait), armed natively. While it is
 * wanted (its consumer awaits an event), the drain takes the stream's batch
 * with the completion and hands it to `owner.delivered(text, rearmed)`;
 * `rearmed`: the drain armed the stream's next wait under the same token,
 * so this object stays the stream's wait and the next read needs no native
 * call. Unwanted, it keeps the process open no more than an unread stream
 * does, and its completion just tells the owner (`delivered('', false)`).
 */
class EventWait {
  constructor (token, owner) {
    this.token = token
    this.owner = owner
    this.wanted = false
  }

  /** A consumer now awaits this stream: let the drain take its batch, and keep the process alive. */
  want () {
    if (!this.wanted) {
      this.wanted = true
      wanting[this.token] = 1
      hold()
    }
  }

  unwant () {
    if (this.wanted) {
      this.wanted = false
      wanting[this.token] = 0
      release()
    }
  }

  /** Completed without a batch taken: the owner reads itself. */
  complete () {
    this.unwant()
    this.owner.delivered('', false)
  }

  delivered (text, rearmed) {
    this.unwant()
    this.owner.delivered(text, rearmed)
  }
}

/** The token the next wait gets (it is taken by `register`). */
function nextToken () {
  return freeSlots.length > 0 ? freeSlots[freeSlots.length - 1] : waits.length
}

/** Registers `w` under `token` (from nextToken, nothing registered since). */
function register (token, w) {
  if (freeSlots.length > 0 && freeSlots[freeSlots.length - 1] === token) freeSlots.pop()
  waits[token] = w
  return w
}

/**
 * Registers a wait: `arm` is the native method that arms it on `target`
 * (e.g. `native.watchReadable`), called with this queue's id and the
 * wait's token. Returns the Wait; await its `promise`.
 */
function wait (arm, target, strong) {
  const token = nextToken()
  const w = register(token, new Wait(strong))
  try {
    arm.call(target, queue, token)
  } catch (err) {
    waits[token] = undefined
    freeSlots.push(token)
    if (strong) release()
    throw err
  }
  return w
}

/**
 * The event batches `native` (a NativeExchange after startEvents) has
 * parsed, as text; when there are none yet, its event wait is armed in the
 * same native call and returned instead (an EventWait of `owner`: `want()`
 * it, and `owner.delivered(text, rearmed)` is called from the drain).
 */
function readEventsOrWait (native, owner) {
  const token = nextToken()
  const text = native.readEvents(queue, token)
  if (text.length > 0) return text
  if (token >= wanting.length) {
    const grown = new Uint8Array(2 * Math.max(token + 1, wanting.length))
    grown.set(wanting)
    wanting = grown
  }
  return register(token, new EventWait(token, owner))
}

/** Resolves when `native` (a NativeExchange) has body data, an end or a failure. */
function readable (native, strong = true) {
  return wait(native.watchReadable, native, strong)
}

/** Resolves with the response head (or `{ error }`) of `native`. */
function head (native) {
  return wait(native.watchHead, native, true).promise.then(() => native.takeHead())
}

/** Resolves true when `upload` (a NativeUpload) takes data again, false once it never will. */
function writable (upload) {
  return wait(upload.watchWritable, upload, true).promise.then((open) => open === 1)
}

module.exports = { readable, readEventsOrWait, head, writable }
