// A linear pre-scan for absurd nesting, run before the YAML parser: the parser handles deep
// input by exhausting the call stack and recovering, which is slow and noisy, so a document
// nested deeper than any task file could be is turned away here, at its first too-deep spot.

export interface NestingProblem { offset: number; depth: number }

export function findDeepNesting(text: string, maxDepth: number): NestingProblem | undefined {
  let flow = 0;
  let quote: '"' | "'" | undefined;
  const indents: number[] = [];
  let lineStart = 0;
  while (lineStart <= text.length) {
    let end = text.indexOf('\n', lineStart);
    if (end === -1) end = text.length;
    let i = lineStart;
    if (flow === 0 && quote === undefined) {
      // Block structure: one level per deeper indentation, plus one per "- " list marker.
      while (i < end && text[i] === ' ') i++;
      if (i < end && text[i] !== '#' && text[i] !== '\r') {
        const indent = i - lineStart;
        while (indents.length > 0 && indents[indents.length - 1] >= indent) indents.pop();
        indents.push(indent);
        while (text[i] === '-' && (text[i + 1] === ' ' || i + 1 === end)) {
          i += 2;
          while (i < end && text[i] === ' ') i++;
          indents.push(i - lineStart);
        }
        if (indents.length + flow > maxDepth + 1) return { offset: i, depth: indents.length };
      }
    }
    let prev = i > lineStart ? text[i - 1] : ' ';
    for (; i < end; i++) {
      const c = text[i];
      if (quote === '"') {
        if (c === '\\') i++;
        else if (c === '"') quote = undefined;
      } else if (quote === "'") {
        if (c === "'" && text[i + 1] === "'") i++;
        else if (c === "'") quote = undefined;
      } else if (c === '#' && (prev === ' ' || prev === '\t')) {
        break;
      } else if ((c === '"' || c === "'") && /[\s[{,:-]/.test(prev)) {
        quote = c;
      } else if (c === '[' || c === '{') {
        if (++flow + indents.length > maxDepth + 1) return { offset: i, depth: flow + indents.length };
      } else if ((c === ']' || c === '}') && flow > 0) {
        flow--;
      }
      prev = c;
    }
    lineStart = end + 1;
  }
  return undefined;
}
