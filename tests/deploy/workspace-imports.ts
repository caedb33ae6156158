import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** The bare-module imports of a workspace's files, read with the TypeScript parser. */

export interface ModuleImport {
  /** The package: `zod` for `zod/v4`, `@aws-sdk/client-s3` for a scoped one. */
  packageName: string;
  /** Only types come from it (`import type`, `export type`, `import('x').T`): nothing is loaded at run time. */
  typeOnly: boolean;
  /** The importing file, relative to the workspace. */
  file: string;
}

const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage', 'public']);

/** Tests and the helpers, fixtures and configuration only tests and tooling use. */
export function isTestOrTooling(file: string): boolean {
  return (
    /(^|\/)(testing|test-fixtures)\//.test(file) ||
    /\.test\.[jt]sx?$/.test(file) ||
    /-test-fixtures\.[jt]sx?$/.test(file) ||
    /(^|\/)test-setup\.[jt]sx?$/.test(file) ||
    /(^|\/)[^/]+\.config\.[cm]?[jt]s$/.test(file)
  );
}

function packageNameOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || BUILTINS.has(specifier) || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function codeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return SKIPPED_DIRS.has(name) ? [] : codeFiles(path);
    return /\.(ts|tsx|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** `require.resolve`, `import.meta.resolve` or `createRequire(…).resolve`: a package located at run time (its files served, say). */
function isModuleResolve(callee: ts.Expression): boolean {
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 'resolve') return false;
  const target = callee.expression;
  return (
    (ts.isIdentifier(target) && target.text === 'require') ||
    ts.isMetaProperty(target) ||
    (ts.isCallExpression(target) && ts.isIdentifier(target.expression) && target.expression.text === 'createRequire')
  );
}

function importsOfFile(path: string, workspaceDir: string): ModuleImport[] {
  const text = readFileSync(path, 'utf8');
  const kind = /\.tsx$/.test(path) ? ts.ScriptKind.TSX : /\.m?js$/.test(path) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, kind);
  const file = relative(workspaceDir, path);
  const found: ModuleImport[] = [];
  const add = (specifier: ts.Node | undefined, typeOnly: boolean) => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) return;
    const packageName = packageNameOf(specifier.text);
    if (packageName) found.push({ packageName, typeOnly, file });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, node.importClause?.isTypeOnly ?? false);
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal, true);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], false);
    else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require') add(node.arguments[0], false);
    else if (ts.isCallExpression(node) && isModuleResolve(node.expression)) add(node.arguments[0], false);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression, node.isTypeOnly);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every bare-module import of the workspace's code files (dist and node_modules left out). */
export function workspaceImports(workspaceDir: string): ModuleImport[] {
  return codeFiles(workspaceDir).flatMap((path) => importsOfFile(path, workspaceDir));
}
