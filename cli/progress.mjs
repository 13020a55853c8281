// A progress line on a terminal: a bar with bytes, rate and ETA when the
// length is known, a spinner with bytes and rate when it is not. Redrawn at
// most ten times a second and erased at the end, so that what follows on
// the terminal starts on a clean line.

const REDRAW_INTERVAL_MS = 100
const SPINNER = ['|', '/', '-', '\\']
const ERASE_LINE = '\r\x1b[2K'
// Room left beside the bar for the label, the percentage and the longest counts.
const BAR_MARGIN = 68

/** 1536 -> '1.5 KiB'. */
export function formatBytes (n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = n
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`
}

/** 75 -> '1:15'. */
function formatDuration (seconds) {
  if (!Number.isFinite(seconds)) return '--:--'
  const s = Math.ceil(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const rest = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`
}

export class ProgressLine {
  /**
   * @param {import('node:tty').WriteStream} stream  a TTY (stderr)
   * @param {string} label  'download' or 'upload'
   * @param {() => number} [now]  milliseconds, monotonic
   */
  constructor (stream, label, now = () => performance.now()) {
    this.stream = stream
    this.label = label
    this.now = now
    this.startedAt = now()
    this.lastDrawAt = -Infinity
    this.frame = 0
    this.transferred = 0
    this.total = 0
    this.drawn = false
  }

  /** New counts; draws when the last draw is old enough (the first always). */
  update (transferred, total = 0) {
    this.transferred = transferred
    this.total = total
    const at = this.now()
    if (at - this.lastDrawAt < REDRAW_INTERVAL_MS) return
    this.lastDrawAt = at
    this.stream.write(ERASE_LINE + this.render(at))
    this.drawn = true
  }

  /** The line for the current counts. */
  render (at = this.now()) {
    const elapsed = Math.max((at - this.startedAt) / 1000, 1e-3)
    const rate = this.transferred / elapsed
    const speed = `${formatBytes(Math.round(rate))}/s`
    if (this.total > 0) {
      const fraction = Math.min(this.transferred / this.total, 1)
      const percent = `${Math.floor(fraction * 100)}%`.padStart(4)
      const eta = rate > 0 ? (this.total - this.transferred) / rate : Infinity
      const counts = `${formatBytes(this.transferred)} / ${formatBytes(this.total)}  ${speed}  ETA ${formatDuration(eta)}`
      // The bar's width depends on the terminal only, so it does not jitter as the counts change length.
      const width = Math.max(10, Math.min(40, (this.stream.columns || 80) - BAR_MARGIN))
      const filled = Math.round(fraction * width)
      return `${this.label} ${percent} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${counts}`
    }
    this.frame = (this.frame + 1) % SPINNER.length
    return `${this.label} ${SPINNER[this.frame]} ${formatBytes(this.transferred)}  ${speed}`
  }

  /** Erases the line if anything was drawn. */
  finish () {
    if (this.drawn) this.stream.write(ERASE_LINE)
    this.drawn = false
  }
}

/** A progress line if stderr is a terminal and -s is not given, else null. */
export function progressFor (opts, label, stderr = process.stderr) {
  return stderr.isTTY && !opts.silent ? new ProgressLine(stderr, label) : null
}
