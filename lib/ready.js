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
/** Where drainReady writes `[token, value]` pairs: one buffer, reused. */
const pairs = new Uint32Array(2 * 1024)

function drain () {
  // Each round takes up to pairs.length / 2 completions; a short round
  // means the queue is empty. Bounded by what is queued.
  for (;;) {
    const n = binding.drainReady(queue, pairs)
    for (let i = 0; i < n; i += 2) settle(pairs[i], pairs[i + 1])
    if (n < pairs.length) break
  }
}

/** This copy's queue: each loaded copy of this module has its own tokens. */
const queue = binding.installReadyQueue(drain)

function settle (token, value) {
  const wait = waits[token]
  if (wait === undefined) return
  waits[token] = undefined
  freeSlots.push(token)
  const resolve = wait.resolve
  wait.resolve = null // settled: hold() is a no-op from now on
  if (wait.strong) release()
  resolve(value)
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

  /** A user's promise now depends on this wait: keep the process alive until it completes. */
  hold () {
    if (!this.strong && this.resolve !== null) {
      this.strong = true
      hold()
    }
  }
}

/** The token the next wait gets (it is taken by `register`). */
function nextToken () {
  return freeSlots.length > 0 ? freeSlots[freeSlots.length - 1] : waits.length
}

/** Registers a wait under `token` (from nextToken, nothing registered since). */
function register (token, strong) {
  if (freeSlots.length > 0 && freeSlots[freeSlots.length - 1] === token) freeSlots.pop()
  const w = new Wait(strong)
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
  const w = register(token, strong)
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
 * parsed, as text; when there are none yet, the readable wait is armed in
 * the same native call and returned instead (a Wait: await its promise,
 * then read again). One crossing where readEvents + watchReadable took two.
 */
function readEventsOrWait (native) {
  const token = nextToken()
  const text = native.readEvents(queue, token)
  return text.length > 0 ? text : register(token, true)
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
