// Command dispatch: finds the handler by the command's first field and turns every failure into
// an error reply for that request only.
import {
  CommandNotFoundError,
  IllegalOperationError,
  UnsupportedOpQueryError,
  toCommandError,
} from '../errors.js'
import type { Doc } from '../values.js'
import { adminCommands } from './admin.js'
import type { CommandContext, CommandHandler } from './context.js'
import { explainCommands } from './explain.js'
import { handshakeCommands } from './handshake.js'
import { profileCommand, recordProfile } from '../profiler.js'
import { readCommands } from './read.js'
import { writeCommands } from './write.js'

export type { CommandContext } from './context.js'

const handlers: Record<string, CommandHandler> = {
  ...handshakeCommands,
  ...readCommands,
  ...writeCommands,
  ...adminCommands,
  ...explainCommands,
  profile: profileCommand,
}

const LEGACY_ALLOWED = new Set(['hello', 'isMaster', 'ismaster'])

export function runCommand(command: Doc, ctx: CommandContext, legacy: boolean): Doc {
  const name = Object.keys(command)[0] ?? ''
  try {
    if (legacy && (!LEGACY_ALLOWED.has(name) || command.__legacyQueryNamespace)) {
      throw new UnsupportedOpQueryError(name)
    }
    if ('txnNumber' in command || 'startTransaction' in command || 'autocommit' in command) {
      // what a standalone mongod answers; transactions need a replica set
      throw new IllegalOperationError(
        'Transaction numbers are only allowed on a replica set member or mongos',
      )
    }
    const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined
    if (!handler) throw new CommandNotFoundError(name)
    const started = performance.now()
    const reply = handler(command, ctx)
    recordProfile(name, command, ctx, performance.now() - started)
    return reply
  } catch (err) {
    const error = toCommandError(err)
    if (error.code === 1) ctx.log(`[mongo-dev] ${name} failed: ${error.message}`)
    return error.toReply()
  }
}
