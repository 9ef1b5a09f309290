// Public API of the task-file loader (engine, CLI and extension import from here).
export { loadTask, diagnoseTaskText, secretNames, type LoadOptions } from './load';
export { TaskFileError, formatDiagnostic, type TaskDiagnostic } from './diagnostics';
export { taskSchema, schemaAt, type SchemaNode } from './schema';
export { envSecretProvider, secretEnvName, type SecretProvider } from './refs';
export { deriveServerId, defaultSlotName, taskNameFromFile } from './build';
export type * from './plan';
