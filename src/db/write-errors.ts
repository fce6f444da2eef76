/** Per-document errors of an unordered bulk write or insertMany. */
export interface WriteErrorLike {
  index: number;
  code?: number;
  errmsg?: string;
}

/**
 * The per-document errors of a bulk write error, or undefined for any other error. The driver
 * also wraps a network error in a bulk write error with an empty list: that is a failure of
 * the whole batch, not a success of every document.
 */
export function writeErrorsOf(error: unknown): WriteErrorLike[] | undefined {
  const found = (error as { writeErrors?: WriteErrorLike | WriteErrorLike[] } | null)?.writeErrors;
  const list = found === undefined ? [] : Array.isArray(found) ? found : [found];
  return list.length > 0 ? list : undefined;
}
