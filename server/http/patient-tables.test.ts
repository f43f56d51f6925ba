import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/*
 * DESIGN §3: outside server/db no code holds a handle whose type has patient tables. The fixture
 * is a route that reaches them both ways; it must fail to compile on exactly the lines that skip
 * withBranch, and compile everywhere else (the positive control: the check is not failing for an
 * unrelated reason such as a broken import).
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = path.join(here, 'typing-fixtures', 'patient-tables.ts');

function serverCompilerOptions(): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(here, '..', 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
  });
  assert.ok(parsed, 'server/tsconfig.json parses');
  const { rootDir: _rootDir, ...options } = parsed.options;
  // Sources of contract/ are compiled alongside, so the project-build settings (rootDir, composite) do not apply.
  return { ...options, composite: false, declaration: false, emitDeclarationOnly: false, noEmit: true, incremental: false };
}

test('reading patient tables outside withBranch does not compile; inside it does', () => {
  const program = ts.createProgram([fixture], serverCompilerOptions());
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const elsewhere = diagnostics.filter((d) => d.file?.fileName !== fixture).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert.deepEqual(elsewhere, [], 'only the fixture may have errors');

  const source = readFileSync(fixture, 'utf8').split('\n');
  const marked = source.flatMap((line, i) => (line.endsWith('// must not compile') ? [i + 1] : []));
  assert.ok(marked.length >= 5, 'the fixture marks its forbidden lines');
  const failing = [...new Set(diagnostics.map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line + 1))].sort((a, b) => a - b);
  assert.deepEqual(failing, marked, diagnostics.map((d) => `${d.file!.getLineAndCharacterOfPosition(d.start!).line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`).join('\n'));
  // Each forbidden line fails because its table is not in the handle's type, not for another reason.
  const lineOf = (d: ts.Diagnostic) => d.file!.getLineAndCharacterOfPosition(d.start!).line + 1;
  const tableNotInType = /^Argument of type '"(patients|note_drafts|soap_drafts|observations|audit_events)"' is not assignable/;
  for (const line of marked) {
    const messages = diagnostics.filter((d) => lineOf(d) === line).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));
    assert.ok(messages.some((m) => tableNotInType.test(m)), `line ${line}: ${messages.join(' | ')}`);
  }
});
