// SPDX-License-Identifier: MIT
// Transpile a TypeScript entry and the relative modules it imports into a directory Node can run
// directly, so a test can spawn (and kill -9) a child process running the project's own code.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..');

export function transpileTree(entry: string, outDir: string): string {
  const seen = new Set<string>();
  const todo = [path.resolve(REPO, entry)];
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'package.json'), '{"type":"module"}\n');
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const src = fs.readFileSync(file, 'utf8');
    const out = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 }, fileName: file });
    const rel = path.relative(REPO, file).replace(/\.ts$/, '.js');
    fs.mkdirSync(path.dirname(path.join(outDir, rel)), { recursive: true });
    fs.writeFileSync(path.join(outDir, rel), out.outputText);
    for (const m of src.matchAll(/(?:import|export)\s[^'"]*?from\s+'(\.{1,2}\/[^']+)'/g)) {
      todo.push(path.resolve(path.dirname(file), m[1]!.replace(/\.js$/, '.ts')));
    }
  }
  return path.join(outDir, path.relative(REPO, path.resolve(REPO, entry)).replace(/\.ts$/, '.js'));
}
