// Port helpers for the local stand-ins: find a free loopback port, or listen on a preferred one and
// fall back to a free one when a developer already has something there.
import net from 'node:net'

class PortUnavailableError extends Error {
  override name = 'PortUnavailableError'
}

export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.unref()
    probe.once('error', (error) =>
      reject(new PortUnavailableError(`no free port on ${host}`, { cause: error })),
    )
    probe.listen(0, host, () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer()
    probe.unref()
    probe.once('error', () => resolve(false))
    probe.listen(port, host, () => probe.close(() => resolve(true)))
  })
}

/** The port `preferred` when free, otherwise a free one (dev keeps stable ports when it can). */
export async function freePortPreferring(host: string, preferred: number): Promise<number> {
  if (preferred > 0 && (await isPortFree(host, preferred))) return preferred
  return findFreePort(host)
}

/**
 * Listens on `port`; when it is taken and `fallback` is set, listens on a free port instead.
 * Resolves with the port actually bound.
 */
export async function listenWithFallback(
  server: net.Server,
  host: string,
  port: number,
  fallback: boolean,
): Promise<number> {
  try {
    return await listen(server, host, port)
  } catch (error) {
    const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
    if (!inUse || !fallback || port === 0) {
      throw new PortUnavailableError(`cannot listen on ${host}:${port}`, { cause: error })
    }
    return listen(server, host, 0)
  }
}

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve((server.address() as net.AddressInfo).port)
    })
  })
}

export function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) return resolve()
    server.close((error) => (error ? reject(error) : resolve()))
    // Keep-alive sockets would otherwise hold close() open for seconds.
    if ('closeAllConnections' in server && typeof server.closeAllConnections === 'function') {
      server.closeAllConnections()
    }
  })
}
