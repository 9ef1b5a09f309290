// Sinks by the task file's `target.type`. The runtime and the commands open a sink only here, so a
// new lakehouse format is one more entry below and an implementation of ./sink.ts, nothing else.
// Implementations load lazily: a task never loads a format it does not use.
import type { TargetConfig } from '../config/plan';
import type { ReadOnlySink, Sink, SinkFactory, SinkLimits } from './sink';

export type { SinkFactory, SinkLimits };

const factories: Record<TargetConfig['type'], () => Promise<SinkFactory>> = {
  duckdb: async () => (await import('./duckdb/index')).duckdbSinkFactory,
  iceberg: async () => (await import('./iceberg/index')).icebergSinkFactory,
};

/** The factory of `target.type`; a type without one is a task-file error the schema already reports. */
export async function sinkFactory(target: TargetConfig): Promise<SinkFactory> {
  const load = factories[target.type];
  if (!load) throw new Error(`no sink for target.type ${JSON.stringify(target.type)} (known: ${Object.keys(factories).join(', ')})`);
  return load();
}

export async function openSink(target: TargetConfig, limits?: SinkLimits): Promise<Sink> {
  return (await sinkFactory(target)).open(target, limits);
}

export async function openReadOnlySink(target: TargetConfig): Promise<ReadOnlySink | undefined> {
  return (await sinkFactory(target)).openReadOnly(target);
}
