// A command's parsed arguments (cli.ts parses them; each command module takes them).
export interface CliArgs {
  file: string;
  flags: Record<string, string | boolean | undefined>;
  positionals: string[];
}
