import { locateTemporalCli, locateTestServer } from '../../scripts/temporalBinaries';

/** Install the Temporal binaries once, before any test file starts a server. */
export default async function setup(): Promise<void> {
  process.env.TEMPORAL_CLI ??= await locateTemporalCli();
  process.env.TEMPORAL_TEST_SERVER ??= locateTestServer();
}
