// What both sources say about a connection that failed before the server answered (network),
// and how they keep the password out of every message.
import type { SourceConfig } from '../config/plan';

export function where(source: SourceConfig): string { return `${source.host}:${source.port}`; }

/** Removes the password from any text that might echo it (driver messages, URLs). */
export function scrubPassword(text: string, source: Pick<SourceConfig, 'password'>): string {
  return source.password ? text.split(source.password).join('***') : text;
}

/** One sentence for a network-level failure (`at` names the server), or undefined when it is not one. */
export function networkErrorSentence(code: string, message: string, at: string, source: SourceConfig): string | undefined {
  switch (code) {
    case 'ECONNREFUSED':
      return `cannot reach ${at}: connection refused; is the server running and is source.port right?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot reach ${at}: the host name "${source.host}" does not resolve; check source.host`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `cannot reach ${at}: no route to the host (${code}); check source.host and the network`;
  }
  if (code === 'ETIMEDOUT' || /timeout|timed out/i.test(message)) {
    return `cannot reach ${at}: no answer within ${Math.round((source.connectTimeoutMs || 10_000) / 1000)} s; check source.host, source.port and firewalls`;
  }
  return undefined;
}
