// A task run in its own process, for kill -9 tests: the plan comes in LAKESYNC_TEST_PLAN (JSON).
import { createMysqlSource } from '../../../src/engine/source/mysql';
import { TaskRunner } from '../../../src/engine/runtime/runner';
import type { TaskPlan } from '../../../src/engine/config/plan';

const plan = JSON.parse(process.env.LAKESYNC_TEST_PLAN ?? '{}') as TaskPlan;
const untilCaughtUp = process.argv.includes('--until-caught-up');
const runner = new TaskRunner(plan, createMysqlSource(plan), { untilCaughtUp, controlSocket: false });
runner.run().then((code) => process.exit(code), (err: Error) => { console.error(err.message); process.exit(1); });
