// Mocha reporter: the usual spec output, plus a small JSON summary file per run when
// LAKESYNC_TEST_SUMMARY names a folder (.ci/run adds them up into "N passed, N failed" and
// prints every failure's title and first error line just above that line, so a failure deep
// in a long log is still named in the last lines anyone reads).
const Mocha = require('mocha');
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const failures = [];
    runner.on('fail', (test, err) => {
      const message = String(err?.message ?? err).split('\n').find((line) => line.trim()) ?? '';
      failures.push({ title: test.fullTitle(), file: test.file ? path.relative(process.cwd(), test.file) : '', message: message.slice(0, 300) });
    });
    runner.once('end', () => {
      const dir = process.env.LAKESYNC_TEST_SUMMARY;
      if (!dir) return;
      const { passes = 0 } = runner.stats ?? {};
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `mocha-${process.pid}-${Date.now()}.json`),
        JSON.stringify({ passed: passes, failed: failures.length, failures }));
    });
  }
}
module.exports = SummaryReporter;
