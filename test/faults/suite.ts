// The fault suite, run once per source kind and PostgreSQL plugin (postgres.test.ts,
// postgres-decoderbufs.test.ts, mariadb.test.ts).
import assert from 'node:assert/strict';
import { sleep, spawnCli, type CliProcess, type ServerHandle } from '../harness';
import {
  BASE_SEED, catchUpAndCompare, fixture, killNineRuns, killReplicationConnection, lastStatus, phaseOf, startServer,
  waitUntil, workload, type Kind, type Plugin,
} from './scenario';
import { rng } from './workload';

const log = (m: string) => { if (process.env.LAKESYNC_FAULT_QUIET !== '1') console.log(m); };

/** Waits for a status line from an engine process other than `notPid`; returns its pid. */
async function nextEnginePid(p: CliProcess, notPid: number | undefined, timeoutMs: number): Promise<number> {
  await waitUntil('a (re)started engine', () => { const s = lastStatus(p); return !!s?.pid && s.pid !== notPid; }, timeoutMs, p);
  return lastStatus(p)!.pid!;
}

/** Waits until the table's reported source position moves past `from` (changes flow again). */
async function positionAdvances(p: CliProcess, what: string, timeoutMs = 90_000): Promise<void> {
  const from = lastStatus(p)?.tables[0]?.position;
  await waitUntil(what, () => {
    const t = lastStatus(p)?.tables[0];
    return t?.phase === 'incremental' && t.position !== undefined && t.position !== from;
  }, timeoutMs, p);
}

async function stopSupervised(p: CliProcess): Promise<void> {
  p.kill('SIGTERM');
  const r = await p.exited;
  assert.equal(r.code, 0, `the supervised task did not stop cleanly\n${r.stderr.slice(-3000)}`);
}

export function faultSuite(kind: Kind, plugin: Plugin = 'pgoutput'): void {
  describe(`faults (${kind}${plugin === 'pgoutput' ? '' : `, ${plugin}`}): nothing lost, nothing doubled`, function () {
    this.timeout(360_000);
    let server: ServerHandle;
    before(async function () { this.timeout(120_000); server = await startServer(kind); });
    after(async () => { await server?.stop(); });

    it(`kill -9 of the engine at 12 seeded points over full sync and streaming, resumed by re-running the CLI (seed ${BASE_SEED})`, async () => {
      const rows = 80_000;
      const f = await fixture(server, rows, 100, plugin);
      const w = workload(f, BASE_SEED, rows);
      let points;
      try {
        points = await killNineRuns(f, BASE_SEED + 1, 12, log);
      } finally {
        log(`  workload: ${JSON.stringify(await w.stop())}`);
      }
      const inSnapshot = points.filter((x) => x.phase.startsWith('full sync')).length;
      const inStream = points.filter((x) => x.phase.startsWith('streaming')).length;
      assert.ok(inSnapshot >= 4 && inStream >= 4, `kill points not spread: ${JSON.stringify(points)}`);
      await catchUpAndCompare(f, `seed ${BASE_SEED}`);
    });

    it(`kill -9 of the engine under run --supervise: it restarts itself and resumes (seed ${BASE_SEED})`, async () => {
      const rand = rng(BASE_SEED + 2);
      const rows = 40_000;
      const f = await fixture(server, rows, 100, plugin);
      const w = workload(f, BASE_SEED + 3, rows);
      const p = spawnCli(['run', f.file, '--supervise', '--json']);
      try {
        let pid: number | undefined;
        for (let k = 1; k <= 3; k++) {
          pid = await nextEnginePid(p, pid, 60_000);
          if (k > 1) await waitUntil('streaming', () => lastStatus(p)?.tables[0]?.phase === 'incremental', 90_000, p);
          await sleep(100 + Math.floor(rand() * 1000));
          log(`  kill -9 of the supervised engine ${pid}: ${phaseOf(p)}`);
          process.kill(pid, 'SIGKILL');
        }
        await nextEnginePid(p, pid, 60_000);
        await positionAdvances(p, 'streaming after the last restart');
      } finally {
        log(`  workload: ${JSON.stringify(await w.stop())}`);
      }
      await stopSupervised(p);
      await catchUpAndCompare(f, `seed ${BASE_SEED}`);
    });

    it('source server restarted mid-snapshot and mid-stream, replication connection killed: the task resumes by itself', async () => {
      const rows = 80_000;
      const f = await fixture(server, rows, 100, plugin);
      const w = workload(f, BASE_SEED + 4, rows);
      const p = spawnCli(['run', f.file, '--supervise', '--json']);
      const pids = new Set<number>();
      const track = setInterval(() => { const s = lastStatus(p); if (s?.pid) pids.add(s.pid); }, 100);
      try {
        await waitUntil('the full sync', () => /full-sync/.test(phaseOf(p)), 60_000, p);
        log(`  restarting the ${kind} server: ${phaseOf(p)}`);
        await server.restart();
        await waitUntil('streaming after the restart mid-snapshot', () => lastStatus(p)?.tables[0]?.phase === 'incremental', 180_000, p);
        await positionAdvances(p, 'changes flowing');
        log(`  restarting the ${kind} server: ${phaseOf(p)}`);
        await server.restart();
        await positionAdvances(p, 'streaming after the restart mid-stream');
        const killed = await killReplicationConnection(server);
        log(`  killed ${killed} replication connection(s): ${phaseOf(p)}`);
        assert.ok(killed >= 1, 'a replication connection to kill');
        await positionAdvances(p, 'streaming after the replication connection was killed');
        const s = lastStatus(p)!;
        log(`  engine processes seen: ${pids.size}, failovers: ${s.failovers} ${JSON.stringify(s.failoverEvents.slice(-3))}`);
        // the mid-stream restart and the killed connection are counted and recorded as failovers
        assert.ok(s.failovers >= 2 && s.failoverEvents.length >= 2, `failovers recorded: ${JSON.stringify(s.failoverEvents)}`);
      } finally {
        clearInterval(track);
        log(`  workload: ${JSON.stringify(await w.stop())}`);
      }
      await stopSupervised(p);
      await catchUpAndCompare(f, 'server restarts');
    });

    it('plain CLI: server crash (kill -9) mid-snapshot, server restart while the task is stopped: re-runs resume', async () => {
      const rows = 80_000;
      const f = await fixture(server, rows, 100, plugin);
      const w = workload(f, BASE_SEED + 5, rows);
      let reruns = 0;
      let p = spawnCli(['run', f.file, '--json']);
      try {
        await waitUntil('the full sync', () => /full-sync/.test(phaseOf(p)), 60_000, p);
        log(`  kill -9 of the ${kind} server: ${phaseOf(p)}`);
        await server.kill9();
        await server.start();
        // the engine either rides it out or stops with an error; then the user runs it again (waited
        // for together: a fixed 15 s for the stop missed an engine that gave up later on a loaded machine)
        let gaveUp = false;
        void p.exited.then(() => { gaveUp = true; });
        await waitUntil('streaming again, or the engine stopping', () => gaveUp || lastStatus(p)?.tables[0]?.phase === 'incremental', 180_000, p);
        if (gaveUp) {
          reruns++;
          log(`  the engine stopped after the crash (code ${(await p.exited).code}); running it again`);
          assert.doesNotMatch(p.stderr(), /\n\s+at .+:\d+:\d+\)?\n/, 'no stack trace');
          p = spawnCli(['run', f.file, '--json']);
        }
        await waitUntil('streaming', () => lastStatus(p)?.tables[0]?.phase === 'incremental', 180_000, p);
        await positionAdvances(p, 'changes flowing');
        p.kill('SIGTERM');
        assert.equal((await p.exited).code, 0, p.stderr());
        log('  restarting the server while the task is stopped');
        await server.restart();
        await sleep(1000);
        p = spawnCli(['run', f.file, '--json']);
        await waitUntil('streaming', () => lastStatus(p)?.tables[0]?.phase === 'incremental', 60_000, p);
        await positionAdvances(p, 'changes flowing after the restart');
      } finally {
        log(`  workload: ${JSON.stringify(await w.stop())}, re-runs after the crash: ${reruns}`);
      }
      p.kill('SIGTERM');
      assert.equal((await p.exited).code, 0, p.stderr());
      await catchUpAndCompare(f, 'server crash and restart');
    });
  });
}
