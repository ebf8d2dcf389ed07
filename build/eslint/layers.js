// SPDX-License-Identifier: MIT
// doorbell/layers: the import rules of DESIGN.md, as a folder → allowed-folders table (the shape of
// VS Code's code-layering rule). A relative import is resolved to its top-level folder; bare
// modules are checked against the per-layer package lists.
import path from 'node:path';
import { builtinModules } from 'node:module';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Which of our folders each layer may import. */
export const LAYERS = {
  common: ['common'],
  native: ['common', 'native'],
  lab: ['common', 'native', 'lab'],
  electron: ['common', 'lab', 'electron', 'native'],
  renderer: ['common', 'renderer'],
};

const NODE_BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** Bare packages each layer may import ('*' = any, node = Node builtins). */
const PACKAGES = {
  common: { node: false, allow: [] },
  native: { node: true, allow: ['koffi'] },
  lab: { node: true, allow: ['ws'] },
  electron: { node: true, allow: ['electron'] },
  renderer: { node: false, allow: ['vue', 'pinia', '@vue/'] },
};

function layerOf(file) {
  const rel = path.relative(ROOT, file).split(path.sep);
  return rel.length > 1 && rel[0] in LAYERS ? rel[0] : null;
}

export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce Doorbell layer import rules (DESIGN.md, Layout)' },
    messages: {
      folder: "Layer '{{from}}' may not import from '{{to}}' (allowed: {{allowed}}). See DESIGN.md, Layout.",
      pkg: "Layer '{{from}}' may not import the package '{{name}}'{{why}}.",
    },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const from = layerOf(file);
    if (!from) return {};
    function check(node, source) {
      if (typeof source !== 'string') return;
      if (source.startsWith('.')) {
        const target = path.resolve(path.dirname(file), source);
        const to = layerOf(target);
        if (to && !LAYERS[from].includes(to)) {
          context.report({ node, messageId: 'folder', data: { from, to, allowed: LAYERS[from].join(', ') } });
        }
        return;
      }
      const rules = PACKAGES[from];
      if (NODE_BUILTINS.has(source) || source.startsWith('node:')) {
        if (!rules.node) context.report({ node, messageId: 'pkg', data: { from, name: source, why: ' (Node builtins are not available in this layer)' } });
        return;
      }
      const ok = rules.allow.some((p) => (p.endsWith('/') ? source.startsWith(p) : source === p || source.startsWith(`${p}/`)));
      if (!ok) {
        const why = source === 'electron' ? ' (only electron/ may import electron; the lab core must run in plain Node)' : '';
        context.report({ node, messageId: 'pkg', data: { from, name: source, why } });
      }
    }
    return {
      ImportDeclaration(node) { check(node, node.source.value); },
      ExportNamedDeclaration(node) { if (node.source) check(node, node.source.value); },
      ExportAllDeclaration(node) { check(node, node.source.value); },
      ImportExpression(node) { if (node.source.type === 'Literal') check(node, node.source.value); },
      CallExpression(node) {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal') {
          check(node, node.arguments[0].value);
        }
      },
    };
  },
};

export default { rules: { layers: layersRule } };
