// source.tls -> the TLS options both drivers take, what a connection actually got (for `check`),
// and one sentence for every way a certificate can be refused. PostgreSQL's sslmode meanings
// apply to both sources: prefer (default) and require encrypt without checking the certificate,
// verify-ca checks the signer, verify-full also the name.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { Pem, SourceConfig, TlsConfig, TlsMode } from '../config/plan';
import { UserError } from '../errors';

export function tlsConfigOf(source: SourceConfig): TlsConfig {
  return source.tls ?? { mode: 'prefer' };
}

/** The name the certificate must carry: tls.serverName, else source.host. */
export function expectedName(source: SourceConfig): string {
  return tlsConfigOf(source).serverName ?? source.host;
}

/** How the certificate is checked: require with a CA behaves as verify-ca (as libpq does). */
export function effectiveMode(tls: TlsConfig): TlsMode {
  return tls.mode === 'require' && tls.ca ? 'verify-ca' : tls.mode;
}

async function readPem(pem: Pem, what: string): Promise<string> {
  if ('text' in pem) return pem.text;
  try {
    return await readFile(pem.path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`source.tls.${what}: cannot read ${pem.path} (${code === 'ENOENT' ? 'no such file' : code ?? (err as Error).message}); check the path (relative to the task file)`);
  }
}

/** Where a PEM came from, for messages (never the text itself). */
export function pemLabel(pem: Pem | undefined): string {
  if (!pem) return '';
  return 'path' in pem ? pem.path : 'the PEM text of the reference';
}

/**
 * Options for tls.connect (both drivers pass them on), or undefined for mode disable.
 * `checkServerIdentity` always checks the expected name ourselves: through an SSH tunnel the
 * driver only knows 127.0.0.1, and tls.serverName may differ from source.host.
 */
export async function tlsConnectOptions(source: SourceConfig): Promise<ConnectionOptions | undefined> {
  const tls = tlsConfigOf(source);
  if (tls.mode === 'disable') return undefined;
  const mode = effectiveMode(tls);
  const name = expectedName(source);
  const verify = mode === 'verify-ca' || mode === 'verify-full';
  const options: ConnectionOptions = {
    rejectUnauthorized: verify,
    checkServerIdentity: mode === 'verify-full' ? (_host: string, cert: PeerCertificate) => checkServerIdentity(name, cert) : () => undefined,
    ...(isIP(name) === 0 ? { servername: name } : {}),
  };
  if (tls.ca) options.ca = await readPem(tls.ca, 'ca');
  if (tls.cert) options.cert = await readPem(tls.cert, 'cert');
  if (tls.key) options.key = await readPem(tls.key, 'key');
  if (tls.keyPassphrase) options.passphrase = tls.keyPassphrase;
  return options;
}

export interface TlsState {
  encrypted: boolean;
  protocol?: string;
  cipher?: string;
  /** 'full': signer and name checked; 'ca': signer only; 'none': not checked. */
  verified?: 'full' | 'ca' | 'none';
  /** What the certificate was checked against ("CA file /x/ca.pem", "the system's CAs"). */
  against?: string;
  /** The name the certificate was checked for (verify-full). */
  name?: string;
  /** Subject names of the server's certificate. */
  certificateNames?: string[];
}

/** What a connected socket got; `socket` is the driver's stream (a TLSSocket when encrypted). */
export function tlsState(socket: unknown, source: SourceConfig): TlsState {
  const s = socket as Partial<TLSSocket> | undefined;
  if (!s || typeof s.getProtocol !== 'function' || !s.encrypted) return { encrypted: false };
  const tls = tlsConfigOf(source);
  const mode = effectiveMode(tls);
  const cert = s.getPeerCertificate?.();
  return {
    encrypted: true,
    protocol: s.getProtocol() ?? undefined,
    cipher: s.getCipher?.()?.name,
    verified: mode === 'verify-full' ? 'full' : mode === 'verify-ca' ? 'ca' : 'none',
    ...(mode === 'verify-full' || mode === 'verify-ca' ? { against: tls.ca ? `CA ${pemLabel(tls.ca)}` : "the system's CAs" } : {}),
    ...(mode === 'verify-full' ? { name: expectedName(source) } : {}),
    ...(cert ? { certificateNames: certificateNames(cert) } : {}),
  };
}

/** DNS names and IPs a certificate is for (subjectAltName, else the CN). */
export function certificateNames(cert: Partial<PeerCertificate>): string[] {
  const alt = (cert.subjectaltname ?? '').split(/,\s*/).map((e) => e.replace(/^(DNS|IP Address):/, '')).filter(Boolean);
  if (alt.length > 0) return alt;
  const cn = cert.subject?.CN;
  return cn ? [String(cn)] : [];
}

/** The task-file line that makes this source verify-full, for `check`'s warning. */
export function verifyFullLine(source: SourceConfig): string {
  const tls = tlsConfigOf(source);
  const ca = tls.ca && 'path' in tls.ca ? tls.ca.path : 'certs/ca.pem';
  return `tls: {mode: verify-full, ca: ${ca}${tls.serverName ? `, serverName: ${tls.serverName}` : ''}}`;
}

const UNTRUSTED = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE']);

/**
 * One sentence for a TLS failure (`at` names the server), or undefined when the error is not one.
 * `noTls` is the driver's own "server has no TLS" signal.
 */
export function tlsErrorSentence(err: unknown, at: string, source: SourceConfig, noTls: boolean): string | undefined {
  const e = (err ?? {}) as { code?: string; message?: string; cert?: PeerCertificate; reason?: string };
  const code = e.code ?? '';
  const tls = tlsConfigOf(source);
  if (noTls) {
    return `${at} does not offer TLS, but source.tls.mode is ${tls.mode}: turn TLS on at the server, or set tls.mode: prefer to allow an unencrypted connection`;
  }
  // mysql2 replaces the code of TLS errors with HANDSHAKE_SSL_ERROR: the message still tells.
  const m = e.message ?? '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || /does not match certificate's altnames/i.test(m)) {
    const names = e.cert ? certificateNames(e.cert) : [];
    const name = expectedName(source);
    return `the server's certificate is for ${names.join(', ') || 'another name'}, not ${name}: set tls.serverName or connect by name`;
  }
  if (UNTRUSTED.has(code) || /self[- ]signed certificate|unable to verify the first certificate|unable to get (local )?issuer certificate|certificate signature failure/i.test(m)) {
    const against = tls.ca ? `the CA in source.tls.ca (${pemLabel(tls.ca)})` : "any CA this machine trusts (source.tls.ca is not set)";
    const self = code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || /^self[- ]signed certificate$/i.test(m) ? ' (it is self-signed)' : '';
    return `the certificate of ${at} is not signed by ${against}${self}: set tls.ca to the CA certificate that signed it (your provider's CA bundle), or use tls.mode: require to encrypt without checking`;
  }
  if (code === 'CERT_HAS_EXPIRED' || /certificate has expired/i.test(m)) {
    return `the certificate of ${at} has expired${e.cert?.valid_to ? ` (${e.cert.valid_to})` : ''}: renew the server's certificate`;
  }
  if (code === 'CERT_NOT_YET_VALID') {
    return `the certificate of ${at} is not valid yet${e.cert?.valid_from ? ` (from ${e.cert.valid_from})` : ''}: check this machine's clock`;
  }
  const msg = m;
  if (/bad decrypt|PEM|no start line|key values mismatch|KEY_VALUES_MISMATCH|bad base64/i.test(msg) || /^ERR_OSSL/.test(code)) {
    return `the TLS client certificate or key cannot be used (${msg.split('\n')[0]}): check source.tls.cert, source.tls.key${tls.keyPassphrase ? ' and source.tls.keyPassphrase' : ' (an encrypted key needs source.tls.keyPassphrase)'}`;
  }
  if (/certificate required|tlsv13 alert certificate required|handshake failure|alert unknown ca|alert bad certificate/i.test(msg)) {
    return `${at} refused the TLS client certificate (${msg.split('\n')[0]}): set source.tls.cert and source.tls.key to a certificate the server's CA signed`;
  }
  return undefined;
}
