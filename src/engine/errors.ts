// Errors meant for people: the message is the whole story (what, where, how to fix);
// the CLI prints it without a stack trace.
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 1) { super(message); this.name = 'UserError'; }
}

/**
 * A source problem that waiting does not fix (a missing privilege, a wrong server setting, a
 * purged position): the runner stops the task with this message instead of reconnecting.
 */
export class PermanentSourceError extends UserError {
  constructor(message: string) { super(message); this.name = 'PermanentSourceError'; }
}

/**
 * Exit code of `run --until-caught-up` when every table that streams is caught up but one or more
 * stopped with an error: not a success (their rows are missing), and not worth a restart either.
 */
export const EXIT_TABLES_FAILED = 3;
