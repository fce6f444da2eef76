/**
 * Why a database write failed, translated once at the edge: the connection is lost (the
 * write may succeed later, so the message is spooled and replayed) or the database refused
 * this document for good (a validation rule, a duplicate key on another unique index, a
 * document too large, a key name it cannot store). Retrying a refused write only repeats the
 * refusal, so a refused message goes to the dead letters instead of the spool.
 */
import {
  MongoBulkWriteError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { DatabaseUnavailableError, RefusedWriteError } from '../errors.js';

/** Labels the driver and server put on errors a retry can cure (a step-down, a reset pool). */
const TRANSIENT_LABELS = ['RetryableWriteError', 'ResetPool', 'TransientTransactionError'];

/**
 * True when `error` says the database could not be reached or lost the connection, not that
 * it refused the write: network and server-selection errors, a closed client, mongoose's
 * buffering timeout while disconnected, and server errors labelled retryable.
 */
export function isConnectionLoss(error: unknown): boolean {
  if (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof DatabaseUnavailableError
  ) {
    return true;
  }
  if (error instanceof MongoError && TRANSIENT_LABELS.some((label) => error.hasErrorLabel(label))) {
    return true;
  }
  // A bulk write (insertMany) that lost its connection is a MongoBulkWriteError without write
  // errors, wrapping the network error it met.
  if (error instanceof MongoBulkWriteError && error.errorResponse instanceof Error && error.errorResponse !== error) {
    return isConnectionLoss(error.errorResponse);
  }
  // mongoose queues commands while disconnected and fails them after its buffer timeout.
  return error instanceof Error && error.name === 'MongooseError' && /buffering timed out/.test(error.message);
}

/** `error` as a DatabaseUnavailableError (connection loss) or a RefusedWriteError (anything else). */
export function translateWriteFailure(error: unknown, what: string): DatabaseUnavailableError | RefusedWriteError {
  if (error instanceof DatabaseUnavailableError || error instanceof RefusedWriteError) {
    return error;
  }
  const reason = error instanceof Error ? error.message : String(error);
  return isConnectionLoss(error)
    ? new DatabaseUnavailableError(`${what}: database unavailable (${reason})`, error)
    : new RefusedWriteError(`${what} refused: ${reason}`, error);
}
