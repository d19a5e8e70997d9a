// Money as the old Mongoose models stored it (a float in major units, a numeric string, a
// Decimal128) turned into the integer minor units this system keeps (worker/marketplace/store.ts).
import { CurrencySchema } from '../../marketplace/products'

/** Sanora stored no currency: its prices were dollars. */
export const DEFAULT_CURRENCY = 'USD'

/** Integer minor units (cents) of an amount in major units, or undefined when it is none. */
export function minorUnits(v: unknown): number | undefined {
  const n =
    typeof v === 'number'
      ? v
      : typeof v === 'string' || (v && typeof v === 'object' && 'toString' in v)
        ? Number(String(v).trim())
        : NaN
  if (!Number.isFinite(n) || n < 0) return undefined
  // 19.99 * 100 is 1998.9999…: rounding to the cent is the old value, not a change of it.
  return Math.round(n * 100)
}

/** An ISO 4217 code as we accept it, or undefined. */
export function currencyOf(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined
  const code = v.trim().toUpperCase()
  return CurrencySchema.safeParse(code).success ? code : undefined
}
