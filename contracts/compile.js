// Compiles contracts/src with the solc pinned in package.json and writes
// build/<Contract>.abi and .bin. Deterministic: same sources, same output.
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const SRC = path.join(__dirname, "src");
const OUT = path.join(__dirname, "build");
const CONTRACTS = ["Marketplace", "TestToken"];
// The fork mainnet runs today; the Go side uses the same rules.
const EVM_VERSION = "osaka";

const sources = {};
for (const f of fs.readdirSync(SRC).sort()) {
  if (f.endsWith(".sol")) sources[f] = { content: fs.readFileSync(path.join(SRC, f), "utf8") };
}

function findImports(p) {
  try {
    return { contents: fs.readFileSync(require.resolve(p), "utf8") };
  } catch (e) {
    return { error: `import ${p}: ${e.message}` };
  }
}

const input = {
  language: "Solidity",
  sources,
  settings: {
    evmVersion: EVM_VERSION,
    optimizer: { enabled: true, runs: 200 },
    viaIR: true,
    metadata: { bytecodeHash: "none", appendCBOR: false },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};

const out = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
let failed = false;
for (const e of out.errors || []) {
  console.error(e.formattedMessage);
  if (e.severity === "error") failed = true;
}
if (failed) process.exit(1);

fs.mkdirSync(OUT, { recursive: true });
for (const name of CONTRACTS) {
  const file = `${name}.sol`;
  const c = out.contracts[file] && out.contracts[file][name];
  if (!c) {
    console.error(`contract ${name} not found in ${file}`);
    process.exit(1);
  }
  fs.writeFileSync(path.join(OUT, `${name}.abi`), JSON.stringify(c.abi, null, 1) + "\n");
  fs.writeFileSync(path.join(OUT, `${name}.bin`), c.evm.bytecode.object + "\n");
}
console.log(`compiled ${CONTRACTS.join(", ")} with solc ${solc.version()} for ${EVM_VERSION}`);
