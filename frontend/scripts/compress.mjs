// After `vite build`: a gzip copy next to each text asset (dist/assets/x.js.gz), which the
// ingress serves to browsers that accept gzip (api/frontend.py), so nothing compresses per request.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { constants, gzipSync } from "node:zlib";

const dir = join(import.meta.dirname, "..", "dist", "assets");
let before = 0;
let after = 0;
for (const name of readdirSync(dir)) {
  if (!/\.(js|css|svg|json|map)$/.test(name)) continue;
  const path = join(dir, name);
  if (statSync(path).size < 1024) continue;
  const raw = readFileSync(path);
  const packed = gzipSync(raw, { level: constants.Z_BEST_COMPRESSION });
  writeFileSync(`${path}.gz`, packed);
  before += raw.length;
  after += packed.length;
}
console.log(`gzip: ${(before / 1024).toFixed(0)} kB of assets -> ${(after / 1024).toFixed(0)} kB`);
