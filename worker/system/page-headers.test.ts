// Each page's Content-Security-Policy and frame options, from the page name and configuration alone.
import { describe, expect, it } from 'vitest'
import { PAGE_NAMES, pageSecurityHeaders, type PolicyName } from './page-headers'

/** The CSP as directive → sources. */
function csp(
  page: PolicyName,
  presenterFrameAncestors: string[] = [],
  url = 'https://edge.test/x',
) {
  const headers = pageSecurityHeaders(page, { requestUrl: url, presenterFrameAncestors })
  const directives = new Map(
    headers['Content-Security-Policy']!.split('; ').map((d) => {
      const [name, ...values] = d.split(' ')
      return [name!, values] as const
    }),
  )
  return { headers, directives }
}

describe('pageSecurityHeaders', () => {
  it.each([...PAGE_NAMES, 'api-docs' as const])(
    '%s: own scripts and styles only, sockets to this host, nothing inline',
    (page) => {
      const { directives } = csp(page)
      expect(directives.get('default-src')).toEqual(["'none'"])
      expect(directives.get('script-src')).toEqual(["'self'"])
      expect(directives.get('style-src')).toEqual(["'self'"])
      expect(directives.get('connect-src')).toEqual(["'self'", 'wss://edge.test'])
      expect(directives.get('base-uri')).toEqual(["'none'"])
      expect(directives.get('form-action')).toEqual(["'self'"])
      expect([...directives.values()].flat().some((v) => v.includes('unsafe'))).toBe(false)
    },
  )

  it('allows sockets over ws: when the page itself came over plain HTTP (local development)', () => {
    expect(
      csp('meeting', [], 'http://127.0.0.1:8787/meeting').directives.get('connect-src'),
    ).toEqual(["'self'", 'ws://127.0.0.1:8787'])
  })

  it.each(['host', 'join', 'meeting'] as const)('%s may never be framed', (page) => {
    const { headers, directives } = csp(page, ['https://slides.example.com'])
    expect(directives.get('frame-ancestors')).toEqual(["'none'"])
    expect(headers['X-Frame-Options']).toBe('DENY')
  })

  it('the presenter view may be framed by this site only, by default', () => {
    const { headers, directives } = csp('present')
    expect(directives.get('frame-ancestors')).toEqual(["'self'"])
    expect(headers['X-Frame-Options']).toBe('SAMEORIGIN')
    // Its QR code is a blob: URL of the fetched SVG.
    expect(directives.get('img-src')).toEqual(["'self'", 'blob:'])
  })

  it('the presenter view may be framed by the configured origins too (PRESENTER_FRAME_ANCESTORS)', () => {
    const { headers, directives } = csp('present', [
      'https://slides.example.com',
      'http://localhost:3000',
    ])
    expect(directives.get('frame-ancestors')).toEqual([
      "'self'",
      'https://slides.example.com',
      'http://localhost:3000',
    ])
    // X-Frame-Options cannot name them; browsers with CSP go by frame-ancestors.
    expect(headers['X-Frame-Options']).toBeUndefined()
  })

  it('the API reference loads no other host, takes images from data: URIs, and is never framed', () => {
    const { headers, directives } = csp('api-docs', ['https://slides.example.com'])
    // Swagger UI's stylesheet draws its icons as data: URIs; nothing names another host.
    expect(directives.get('img-src')).toEqual(["'self'", 'data:'])
    expect([...directives.values()].flat().filter((v) => /^https?:/.test(v))).toEqual([])
    expect(directives.get('frame-ancestors')).toEqual(["'none'"])
    expect(headers['X-Frame-Options']).toBe('DENY')
  })

  it("the realtime reference lets scripts evaluate strings (its renderer's parser needs it), and nothing else", () => {
    const { headers, directives } = csp('asyncapi-docs', ['https://slides.example.com'])
    expect(directives.get('script-src')).toEqual(["'self'", "'unsafe-eval'"])
    expect(directives.get('style-src')).toEqual(["'self'"])
    expect(directives.get('connect-src')).toEqual(["'self'", 'wss://edge.test'])
    expect([...directives.values()].flat().filter((v) => /^https?:/.test(v))).toEqual([])
    expect(directives.get('frame-ancestors')).toEqual(["'none'"])
    expect(headers['X-Frame-Options']).toBe('DENY')
  })
})
