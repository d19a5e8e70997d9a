// A fix for workerd's `node:net` (workerd 1.20260426): `Socket.prototype._unrefTimer`, which runs on
// every read and write to re-arm a socket's idle timeout, stores `this.setTimeout(...)`'s return
// value (the socket itself) where the timer belongs and adds a `timeout` listener each time. The
// timer it just armed can then never be cleared, so:
// - every read or write leaks a timer that fires `socketTimeoutMS` (or `connectTimeoutMS`, while
//   connecting) later. The MongoDB driver takes that as a dead socket and closes the connection,
//   failing any operation on it: long-lived connections in Durable Objects died about every 3 s;
// - the timers pile up, and at 10,000 active ones workerd refuses every `setTimeout` in the object
//   (QuotaExceededError), which under steady load took the warm pool down in about ten seconds.
// Node's own `net` is correct and is left alone; only workerd's is replaced, with what Node does:
// re-arm the idle timer of every socket in the wrap chain that has one.
import { Socket } from 'node:net'

interface WrappedSocket {
  timeout?: number
  _parentWrap?: WrappedSocket | null
  setTimeout(ms: number): unknown
}

let applied = false

export function fixWorkerdSocketTimers(): void {
  if (applied) return
  applied = true
  if (
    (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent !==
    'Cloudflare-Workers'
  )
    return
  const proto = Socket.prototype as unknown as { _unrefTimer?: () => void }
  if (typeof proto._unrefTimer !== 'function') return
  proto._unrefTimer = function unrefTimer(this: WrappedSocket) {
    for (let s: WrappedSocket | null | undefined = this; s; s = s._parentWrap) {
      // `setTimeout` clears the timer it armed before (held correctly now) and arms a new one.
      if (typeof s.timeout === 'number' && s.timeout > 0) s.setTimeout(s.timeout)
    }
  }
}
