// Mocha root hooks plugin (loaded through "require" in .mocharc.json): stops the shared servers
// and any CLI processes still running once every test has run. Starts nothing by itself, so unit
// runs never start a server.
import { stopSharedServers } from './shared';
import { killAllCli } from './cli';

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    killAllCli();
    await stopSharedServers();
  },
};
