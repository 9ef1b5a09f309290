// `check`'s report of how a connection travels: TLS (protocol, cipher, what the certificate was
// verified against) and the SSH tunnel (bastion, host key and how it was trusted).
import type { SourceConfig } from '../config/plan';
import type { CheckResult } from './checks';
import { tlsConfigOf, verifyFullLine, type TlsState } from './tls';
import { tunnelFor } from './tunnel';

export function transportChecks(state: TlsState, source: SourceConfig): CheckResult[] {
  return [tlsCheck(state, source), ...tunnelCheck(source)];
}

function tlsCheck(state: TlsState, source: SourceConfig): CheckResult {
  const mode = tlsConfigOf(source).mode;
  const title = 'TLS';
  if (!state.encrypted) {
    return { id: 'tls', title, status: 'warn',
      detail: mode === 'disable' ? 'not encrypted (source.tls.mode is disable): passwords and data cross the network readable'
        : 'not encrypted: the server does not offer TLS, so source.tls.mode prefer fell back to a plain connection',
      fix: `turn TLS on at the server, then set in source:\n${verifyFullLine(source)}` };
  }
  const what = `${state.protocol ?? 'TLS'}, ${state.cipher ?? 'unknown cipher'}`;
  if (state.verified === 'full') {
    return { id: 'tls', title, status: 'ok', detail: `${what}; certificate verified against ${state.against} for the name ${state.name}` };
  }
  const names = state.certificateNames ?? [];
  // The certificate's own names say whether verify-full needs tls.serverName.
  const host = source.tls?.serverName ?? source.host;
  const line = names.length > 0 && !names.some((n) => n.toLowerCase() === host.toLowerCase()) && !source.tls?.serverName
    ? verifyFullLine({ ...source, tls: { ...tlsConfigOf(source), serverName: names[0] } })
    : verifyFullLine(source);
  if (state.verified === 'ca') {
    return { id: 'tls', title, status: 'warn',
      detail: `${what}; certificate signed by ${state.against}, but its name is not checked (tls.mode verify-ca)`,
      fix: `set in source:\n${line}` };
  }
  return { id: 'tls', title, status: 'warn',
    detail: `${what}; certificate NOT verified (tls.mode ${mode}), so a server in the middle would not be noticed${names.length ? ` (the certificate is for ${names.join(', ')})` : ''}`,
    fix: `set in source (with the CA that signed the server's certificate):\n${line}` };
}

function tunnelCheck(source: SourceConfig): CheckResult[] {
  const t = tunnelFor(source);
  if (!t) return [];
  const i = t.info;
  const title = `SSH tunnel through ${i.bastion} to ${source.host}:${source.port}`;
  if (i.trustedBy?.startsWith('source.ssh.trustUnknownHostKey')) {
    return [{ id: 'ssh_tunnel', title, status: 'warn', detail: `up; the bastion's host key ${i.hostKey} is NOT verified (trustUnknownHostKey)`,
      fix: `after checking the fingerprint with the bastion's admin, set in source.ssh:\nhostKey: ${i.hostKey}` }];
  }
  return [{ id: 'ssh_tunnel', title, status: 'ok', detail: `up; host key ${i.hostKey} verified by ${i.trustedBy}` }];
}

