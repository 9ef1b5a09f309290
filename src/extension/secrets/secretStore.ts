// Source passwords live in VS Code's SecretStorage; task files only name them (${secret:NAME}).
import * as vscode from 'vscode';
import { secretNames } from '../../engine/config';

const PREFIX = 'lakesync.secret.';

export class SecretStore {
  constructor(private readonly storage: vscode.SecretStorage) {}

  get(name: string): Thenable<string | undefined> { return this.storage.get(PREFIX + name); }
  set(name: string, value: string): Thenable<void> { return this.storage.store(PREFIX + name, value); }

  /** The secrets a task text references, and the names not stored yet. */
  async resolve(text: string): Promise<{ secrets: Record<string, string>; missing: string[] }> {
    const secrets: Record<string, string> = {};
    const missing: string[] = [];
    for (const name of secretNames(text)) {
      const v = await this.get(name);
      if (v === undefined) missing.push(name); else secrets[name] = v;
    }
    return { secrets, missing };
  }
}

export class MissingSecretError extends Error {
  constructor(readonly file: string, readonly names: string[]) {
    super(`The task needs the secret${names.length > 1 ? 's' : ''} ${names.map((n) => `"${n}"`).join(', ')}, not stored in VS Code yet.`);
  }
}
