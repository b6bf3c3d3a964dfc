/**
 * electron-builder afterPack hook: puts the Electron-ABI build of better-sqlite3 into the packaged app.
 *
 * electron-builder's own rebuild (npmRebuild) is off in electron-builder.yml: it rebuilds the project's
 * node_modules IN PLACE (after which `npm test` and the CLI fail with a NODE_MODULE_VERSION error) and it tries
 * to compile every module with a binding.gyp (tfjs-node too, which is N-API and needs no rebuild). Instead the
 * packaged app gets the same file `npm start` uses: node_modules/.electron-abi/<electron>-<platform>-<arch>/
 * better_sqlite3.node, built by scripts/electron-sqlite.js for the target platform and arch if missing, copied
 * over the unpacked app.asar.unpacked/node_modules/better-sqlite3/build/Release/better_sqlite3.node.
 * SCL_LAB_ELECTRON_SQLITE=/path/to/better_sqlite3.node uses that file instead (the offline packaging test).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { ensure, electronVersion } = require('./electron-sqlite');

const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal']; // builder-util's Arch enum

exports.default = async function afterPack(context) {
  const arch = ARCH_NAMES[context.arch] ?? String(context.arch);
  const platform = context.electronPlatformName === 'mas' ? 'darwin' : context.electronPlatformName;
  if (arch === 'universal') throw new Error('universal macOS builds are not supported: build --x64 and --arm64 separately');
  const version = context.packager.info?.framework?.version ?? electronVersion();
  const resources = context.packager.getResourcesDir(context.appOutDir);
  const dest = path.join(resources, 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  if (!fs.existsSync(dest)) throw new Error(`${dest} is missing: better-sqlite3 must be unpacked from the asar (asarUnpack)`);
  const override = process.env.SCL_LAB_ELECTRON_SQLITE;
  const src = override && override.trim() !== '' ? override : ensure({ runtime: 'electron', target: version, platform, arch });
  fs.copyFileSync(src, dest);
  console.log(`  • better-sqlite3 for Electron ${version} ${platform}-${arch}  from=${path.relative(process.cwd(), src)}`);
};
