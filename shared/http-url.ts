// The one schema for a URL someone can set (profile images, websites, logos, redirect pages): http
// and https only. Other schemes (`javascript:`, `data:`, `vbscript:`, `file:`) would be stored and
// then served to other people's browsers as links and images.
import { z } from 'zod'

const URL_SCHEMES = ['http', 'https'] as const

/**
 * An absolute http(s) URL of at most 2048 characters; surrounding whitespace is trimmed and the
 * scheme is matched case-insensitively (as browsers read it). Marked `x-url-schemes` in OpenAPI,
 * which is how the security suite finds every URL field.
 *
 * @example
 * z.strictObject({ website: HttpUrlSchema.max(500).optional() })
 */
export const HttpUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
  .max(2048)
  .meta({ 'x-url-schemes': [...URL_SCHEMES], example: 'https://example.com/' })
