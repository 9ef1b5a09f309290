// Errors meant for people: the message is the whole story (what, where, how to fix);
// the CLI prints it without a stack trace.
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 1) { super(message); this.name = 'UserError'; }
}
