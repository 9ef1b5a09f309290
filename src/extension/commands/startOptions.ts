// Start modes offered by "Start…", and the position check for "from position".
// No vscode import: unit-tested.
import { formatPosition, parsePosition } from '../../engine/positions';
import { isSourceType, sourceFacts } from '../../engine/source/known';

export type StartMode = 'default' | 'stateless' | 'resume' | 'position';

/** `undefined` when the text is a valid position, else the message to show under the input box. */
export function validatePositionText(text: string, sourceType?: string): string | undefined {
  if (!text.trim()) return 'Enter a position: lsn:X/Y, FILE:POS, gtid:SET or an ISO timestamp.';
  try {
    // the engine's own rule per source (its facts), so Start… never offers what run refuses
    if (isSourceType(sourceType)) sourceFacts(sourceType).startPosition(text);
    else parsePosition(text);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** CLI flags for `lakesync run` for a start mode. */
export function startFlags(mode: StartMode, position?: string): string[] {
  switch (mode) {
    case 'default': return [];
    case 'stateless': return ['--stateless'];
    case 'resume': return ['--resume'];
    case 'position': return ['--position', formatPosition(parsePosition(position ?? ''))];
  }
}

/**
 * Flags for a restart after a crash: resume from the checkpoint (the engine's default), never
 * redo a stateless start; a start from a position that crashed before its first checkpoint
 * starts from that position again.
 */
export function restartFlags(flags: string[], checkpointed: string | undefined): string[] {
  return flags[0] === '--position' && !checkpointed ? flags : [];
}
