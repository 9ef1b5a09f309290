import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Import rules of the engine's layers (regexes on the import path).
const SINK_IMPL = { regex: '(^|/)sink/[^/]+/', message: 'a sink implementation is reached only through sink/sink.ts and sink/registry.ts' };
const ANY_SINK = { regex: '(^|/)sink/', message: 'this layer does not know sinks (the runtime hands batches to the Sink interface)' };
const SOURCE_IMPL = { regex: '(^|/)source/[^/]+/', message: 'a source implementation is reached only through its adapter (source/adapter.ts) and the source registry' };
const RUNTIME = { regex: '(^|/)runtime/', message: 'the runtime uses this layer, never the other way round' };
const PIPELINE_LOGIC = { regex: '(^|/)pipeline/(?!events$)', message: 'sources import only the change-event types (pipeline/events.ts)' };

function restricted(...patterns) {
  return {
    paths: [{ name: 'vscode', message: 'src/engine runs without VS Code: never import vscode here.' }],
    ...(patterns.length ? { patterns } : {}),
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.vscode-test/**', 'out/**', 'test-results/**', 'bench-results/**', '.venv/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Build and test-support scripts in plain JavaScript run under Node.
    files: ['**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The engine runs with plain node (CLI and child process): it must never depend on VS Code.
    files: ['src/engine/**/*.ts', 'src/protocol/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', restricted()] },
  },
  // The engine's layers (docs/architecture.md): source -> pipeline -> runtime -> sink interface.
  // An implementation lives in a subfolder (source/mysql, sink/duckdb, ...) and is reached only
  // through its interface and registry, so a new one never touches the layers above it.
  {
    files: ['src/engine/runtime/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', restricted(SINK_IMPL, SOURCE_IMPL)] },
  },
  {
    files: ['src/engine/pipeline/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', restricted(ANY_SINK, SOURCE_IMPL, RUNTIME)] },
  },
  {
    // sources produce change events: the pipeline's logic, the runtime and the sinks are not theirs to know
    files: ['src/engine/source/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', restricted(ANY_SINK, RUNTIME, PIPELINE_LOGIC)] },
  },
  {
    files: ['src/engine/sink/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', restricted(SOURCE_IMPL, RUNTIME)] },
  },
);
