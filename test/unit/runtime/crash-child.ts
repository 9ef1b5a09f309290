// Child process for crash.test.ts: runs a task against the scripted TEST-DOUBLE source until it
// is killed. argv: <dir> <seed> <initialTx> <totalTx>
import { runTask } from '../../../src/engine/runtime/runner';
import { ScriptedSource, emptyModel, workload } from './scripted-source';
import { testPlan } from './plan';

const [dir, seed, initial, total] = process.argv.slice(2);
const plan = testPlan(dir, { snapshot: { enabled: true, concurrency: 3, chunkSize: 100 } });
const src = new ScriptedSource(plan, { chunkDelayMs: 25 });
const txs = workload(Number(seed), Number(total), emptyModel());
src.commitAll(txs.slice(0, Number(initial)));
let i = Number(initial);
// the rest arrives while the task runs; every third transaction comes in two parts
const timer = setInterval(() => { if (i < txs.length) { src.commit(txs[i], i % 3 === 0 ? 2 : 1); i++; } else clearInterval(timer); }, 3);
runTask(plan, src, { controlSocket: true }).then((code) => process.exit(code), (err) => { console.error(err); process.exit(1); });
