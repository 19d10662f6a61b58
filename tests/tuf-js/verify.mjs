// tuf-js, an independent TUF client, fetches one target from a Vigil repository served over
// HTTP: node verify.mjs BASE_URL ROOT_JSON TARGET_PATH OUT_FILE STATE_DIR
// Prints "verified PATH LENGTH" and exits 0, or prints tuf-js's error and exits 1.
import { Updater } from 'tuf-js';
import fs from 'node:fs';
import path from 'node:path';

const [base, root, target, out, state] = process.argv.slice(2);
fs.mkdirSync(state, { recursive: true });
fs.mkdirSync(path.dirname(out), { recursive: true });
if (!fs.existsSync(path.join(state, 'root.json'))) {
  fs.copyFileSync(root, path.join(state, 'root.json'));
}
try {
  const updater = new Updater({
    metadataBaseUrl: `${base}/metadata`,
    targetBaseUrl: `${base}/targets`,
    metadataDir: state,
    targetDir: path.dirname(out),
  });
  await updater.refresh();
  const info = await updater.getTargetInfo(target);
  if (!info) throw new Error(`${target} is not in the repository`);
  await updater.downloadTarget(info, out);
  console.log(`verified ${target} ${info.length}`);
} catch (error) {
  console.log(`tuf-js: ${error.name}: ${error.message}`);
  process.exit(1);
}
