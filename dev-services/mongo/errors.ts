// Error classes of the MongoDB dev server. Command errors carry the real server's code and
// codeName so the official driver raises the same MongoServerError it would against mongod.

export type ErrorExtras = Record<string, unknown>

/** Base for every failure that becomes an `{ ok: 0 }` reply (or a writeError entry). */
export class MongoCommandError extends Error {
  readonly code: number
  readonly codeName: string
  readonly extras: ErrorExtras

  constructor(
    code: number,
    codeName: string,
    message: string,
    options?: { cause?: unknown; extras?: ErrorExtras },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.codeName = codeName
    this.extras = options?.extras ?? {}
  }

  toReply(): Record<string, unknown> {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extras }
  }

  toWriteError(index: number): Record<string, unknown> {
    return { index, code: this.code, errmsg: this.message, ...this.extras }
  }
}

export class CommandNotFoundError extends MongoCommandError {
  constructor(command: string) {
    super(59, 'CommandNotFound', `no such command: '${command}'`)
  }
}

export class DuplicateKeyError extends MongoCommandError {
  constructor(
    message: string,
    keyPattern: Record<string, unknown>,
    keyValue: Record<string, unknown>,
  ) {
    super(11000, 'DuplicateKey', message, { extras: { keyPattern, keyValue } })
  }
}

export class BadValueError extends MongoCommandError {
  constructor(message: string, cause?: unknown) {
    super(2, 'BadValue', message, { cause })
  }
}

/** A query, update or pipeline the mingo engine rejected (unknown operator, bad argument). */
export class QueryEngineError extends MongoCommandError {
  constructor(message: string, cause?: unknown) {
    super(2, 'BadValue', message, { cause })
  }
}

export class FailedToParseError extends MongoCommandError {
  constructor(message: string, cause?: unknown) {
    super(9, 'FailedToParse', message, { cause })
  }
}

export class TypeMismatchError extends MongoCommandError {
  constructor(message: string) {
    super(14, 'TypeMismatch', message)
  }
}

export class ImmutableFieldError extends MongoCommandError {
  constructor(message: string) {
    super(66, 'ImmutableField', message)
  }
}

export class ConflictingUpdateError extends MongoCommandError {
  constructor(message: string) {
    super(40, 'ConflictingUpdateOperators', message)
  }
}

export class NamespaceNotFoundError extends MongoCommandError {
  constructor(message: string) {
    super(26, 'NamespaceNotFound', message)
  }
}

export class NamespaceExistsError extends MongoCommandError {
  constructor(ns: string) {
    super(48, 'NamespaceExists', `Collection ${ns} already exists.`)
  }
}

export class InvalidNamespaceError extends MongoCommandError {
  constructor(message: string) {
    super(73, 'InvalidNamespace', message)
  }
}

export class IndexNotFoundError extends MongoCommandError {
  constructor(message: string) {
    super(27, 'IndexNotFound', message)
  }
}

export class IndexOptionsConflictError extends MongoCommandError {
  constructor(message: string) {
    super(85, 'IndexOptionsConflict', message)
  }
}

export class IndexKeySpecsConflictError extends MongoCommandError {
  constructor(message: string) {
    super(86, 'IndexKeySpecsConflict', message)
  }
}

export class InvalidIndexSpecError extends MongoCommandError {
  constructor(message: string) {
    super(67, 'CannotCreateIndex', message)
  }
}

export class InvalidOptionsError extends MongoCommandError {
  constructor(message: string) {
    super(72, 'InvalidOptions', message)
  }
}

export class CursorNotFoundError extends MongoCommandError {
  constructor(id: string) {
    super(43, 'CursorNotFound', `cursor id ${id} not found`)
  }
}

export class IllegalOperationError extends MongoCommandError {
  constructor(message: string) {
    super(20, 'IllegalOperation', message)
  }
}

export class UnsupportedOpQueryError extends MongoCommandError {
  constructor(command: string) {
    super(
      352,
      'UnsupportedOpQueryCommand',
      `Unsupported OP_QUERY command: ${command}. The client driver may require an upgrade.`,
    )
  }
}

class UnrecognizedStageError extends MongoCommandError {
  constructor(stage: string, cause?: unknown) {
    super(40324, 'Location40324', `Unrecognized pipeline stage name: '${stage}'`, { cause })
  }
}

export class NotImplementedError extends MongoCommandError {
  constructor(message: string) {
    super(238, 'NotImplemented', message)
  }
}

export class MergeMatchFailedError extends MongoCommandError {
  constructor(message: string) {
    super(13113, 'MergeStageNoMatchingDocument', message)
  }
}

export class InvalidBsonError extends MongoCommandError {
  constructor(message: string, cause?: unknown) {
    super(22, 'InvalidBSON', message, { cause })
  }
}

export class ReplyTooLargeError extends MongoCommandError {
  constructor(message: string, cause?: unknown) {
    super(10334, 'BSONObjectTooLarge', `reply could not be encoded: ${message}`, { cause })
  }
}

/** A handler threw something that is not a command error: a bug in the dev server. */
class InternalServerError extends MongoCommandError {
  constructor(cause: unknown) {
    super(1, 'InternalError', `dev server internal error: ${describe(cause)}`, { cause })
  }
}

/** A message the server cannot parse: a bad frame closes the connection, a bad body is answered. */
export class WireProtocolError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause })
    this.name = 'WireProtocolError'
  }
}

/** Reading or writing the data directory failed. */
export class PersistenceError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause })
    this.name = 'PersistenceError'
  }
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** Anything thrown while serving one request, reduced to a command error. */
export function toCommandError(err: unknown): MongoCommandError {
  if (err instanceof MongoCommandError) return err
  if (isMingoError(err)) return new QueryEngineError(err.message, err)
  return new InternalServerError(err)
}

/** Like toCommandError, but recognises mingo's message for an unknown pipeline stage. */
export function toPipelineError(err: unknown): MongoCommandError {
  if (err instanceof MongoCommandError) return err
  const m = /unregistered pipeline operator (\$\w+)/.exec(describe(err))
  if (m) return new UnrecognizedStageError(m[1] as string, err)
  return new QueryEngineError(describe(err), err)
}

function isMingoError(err: unknown): err is Error {
  // mingo throws MingoError from assertions and plain TypeErrors from operator bodies
  return err instanceof Error && (err.constructor.name === 'MingoError' || err instanceof TypeError)
}
