// Name search that indexes can answer: a prefix becomes a key range on `name`, tried in the usual
// capitalisations (ali, Ali, ALI), since a case-insensitive regex cannot use an index.

/** The smallest string greater than every string starting with `prefix`. */
function prefixEnd(prefix: string) {
  const chars = Array.from(prefix)
  const last = chars.pop()!
  return chars.join('') + String.fromCodePoint(last.codePointAt(0)! + 1)
}

function capitalisations(q: string) {
  const lower = q.toLowerCase()
  const title = lower.replace(
    /(^|\s)(\p{L})/gu,
    (_, space: string, ch: string) => space + ch.toUpperCase(),
  )
  return [...new Set([q, lower, title, q.toUpperCase()])]
}

/** `$or` branches: names starting with `q` in any of its usual capitalisations. */
export function nameRanges(q: string) {
  return capitalisations(q).map((v) => ({ name: { $gte: v, $lt: prefixEnd(v) } }))
}
