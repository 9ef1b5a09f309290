// Mocha reporter: the usual spec output, plus a small JSON summary file per run when
// LAKESYNC_TEST_SUMMARY names a folder (.ci/run adds them up into "N passed, N failed").
const Mocha = require('mocha');
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const dir = process.env.LAKESYNC_TEST_SUMMARY;
      if (!dir) return;
      const { passes = 0, failures = 0 } = runner.stats ?? {};
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `mocha-${process.pid}-${Date.now()}.json`),
        JSON.stringify({ passed: passes, failed: failures }));
    });
  }
}
module.exports = SummaryReporter;
