// What the figures were measured on: they mean little without the machine and its load.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

export interface Machine {
  nproc: number; cpuModel: string; memoryGiB: number; kernel: string; os: string; node: string;
  postgres?: string; mariadb?: string; duckdb?: string; loadAtStart: number[];
}

function osName(): string {
  try { return /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown'; } catch { return 'unknown'; }
}

export function describeMachine(): Machine {
  let nproc = cpus().length;
  try { nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()); } catch { /* os.cpus() then */ }
  return {
    nproc, cpuModel: cpus()[0]?.model.trim() ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    kernel: release(), os: osName(), node: process.version, loadAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** 1-minute load average, rounded (2 cores: anything above ~2 means other work competed). */
export function load1(): number { return Math.round(loadavg()[0] * 100) / 100; }
