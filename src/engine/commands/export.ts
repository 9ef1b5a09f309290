// `lakesync export FILE --to flink-cdc [--sink iceberg|paimon] [--out FILE] [--warehouse PATH] [--handover]`
// writes the task as an Apache Flink CDC pipeline. With --handover it first waits until the running
// task has committed the source's position (read once, as --until-caught-up does), stops it, and
// starts the pipeline at the checkpoint LakeSync committed last.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { CliArgs } from './args';
import { loadTaskForCommand } from './task-input';
import { parseTaskText } from '../config/yaml-tree';
import type { TaskPlan } from '../config/plan';
import { UserError } from '../errors';
import { exportFlinkCdc, type ExportInput, type SinkKind } from '../export/flink-cdc/pipeline';
import { readHandoverPosition, stopWhenCaughtUp } from '../export/handover';
import { openSource } from '../source/registry';
import { discoverTables, planMappings } from '../source/discover';

export const EXPORT_USAGE = 'export FILE --to flink-cdc [--sink iceberg|paimon] [--out FILE] [--warehouse PATH] [--handover]';

/** `shop.sync.yaml` -> `shop.flink-cdc.yaml` beside it. */
export function defaultOutPath(plan: TaskPlan): string {
  return join(dirname(plan.file), `${plan.name}.flink-cdc.yaml`);
}

/** The warehouse the sink writes: the task's own Iceberg warehouse when it has one, else a new one beside the task. */
function warehouseFor(plan: TaskPlan, sink: SinkKind, flag: string | undefined): { path: string; note?: string } {
  if (flag) return { path: isAbsolute(flag) ? flag : resolve(dirname(plan.file), flag) };
  const target = plan.target as TaskPlan['target'] & { warehouse?: string };
  if (sink === 'iceberg' && typeof target.warehouse === 'string') return { path: target.warehouse };
  const path = join(dirname(plan.file), '.lakehouse', `${plan.name}-${sink}`);
  const why = sink === 'iceberg' ? `the task writes ${plan.target.type}, which Flink CDC has no sink for` : `Paimon cannot continue the task's ${plan.target.type} tables`;
  return { path, note: `${why}: the pipeline fills a new ${sink} warehouse at ${path} (set --warehouse to choose)` };
}

export async function exportCommand(args: CliArgs): Promise<number> {
  const to = args.flags.to;
  if (to !== 'flink-cdc') throw new UserError(`lakesync export needs --to flink-cdc (the one export target)${typeof to === 'string' ? `; got "${to}"` : ''}\nusage: lakesync ${EXPORT_USAGE}`, 2);
  const sink = (args.flags.sink ?? 'iceberg') as SinkKind;
  if (sink !== 'iceberg' && sink !== 'paimon') throw new UserError(`--sink is iceberg or paimon; got "${String(sink)}"`, 2);
  const handover = Boolean(args.flags.handover);

  const { plan } = await loadTaskForCommand(args);
  const raw = parseTaskText(readFileSync(plan.file, 'utf8'), plan.file).value as { source?: Record<string, unknown> };
  const warehouse = warehouseFor(plan, sink, typeof args.flags.warehouse === 'string' ? args.flags.warehouse : undefined);
  if (handover && (warehouse.note || sink !== 'iceberg')) {
    throw new UserError(`--handover continues the tables LakeSync wrote, and Flink CDC can only continue Iceberg tables it reaches: `
      + `the task writes ${plan.target.type}${sink !== 'iceberg' ? ` and the export's sink is ${sink}` : ''}. `
      + 'Alternatives: give the task target.type: iceberg, or export without --handover (the pipeline then takes a full snapshot, scan.startup.mode: initial, into a new warehouse).');
  }

  // Look at the source's tables first: keys and types decide what the pipeline can express.
  const tables = await discoverTables(plan);
  const { mappings, errors } = planMappings(plan, tables);
  if (errors.length) return refuse(plan, errors);
  const input: ExportInput = { plan, rawSource: raw?.source ?? {}, mappings, sink, warehouse: warehouse.path };
  const dry = exportFlinkCdc(input);
  if (dry.refusals.length) return refuse(plan, dry.refusals);

  if (handover) {
    const stopped = await stopWhenCaughtUp(plan.file, async () => {
      const source = await openSource(plan);
      try { return await source.currentPosition(); } finally { await source.close().catch(() => undefined); }
    }, (line) => console.error(`task ${plan.name}: ${line}`));
    console.error(stopped === 'stopped' ? `task ${plan.name}: stopped gracefully (checkpoint saved)` : `task ${plan.name}: not running`);
    input.start = await readHandoverPosition(plan);
  }
  const result = handover ? exportFlinkCdc(input) : dry;
  if (result.refusals.length) return refuse(plan, result.refusals);

  const out = typeof args.flags.out === 'string' ? resolve(args.flags.out) : defaultOutPath(plan);
  writeFileSync(out, result.yaml);
  for (const w of [...(warehouse.note ? [warehouse.note] : []), ...result.warnings]) console.error(`warning: ${w}`);
  console.log(`wrote ${out}${input.start ? ` (hand-over at ${input.start.checkpoint}; do not start the LakeSync task again)` : ''}`);
  return 0;
}

function refuse(plan: TaskPlan, reasons: string[]): number {
  console.error(`lakesync export: task ${plan.name} cannot be expressed as a Flink CDC pipeline:\n${reasons.map((r) => `  - ${r}`).join('\n')}`);
  return 1;
}
