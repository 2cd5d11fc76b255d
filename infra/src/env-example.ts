/**
 * `.env.example`, generated from the configuration schemas of the three apps and of the
 * local launcher, so it lists every variable there is and nothing else.
 * `pnpm generate` rewrites it; a test fails when it is out of date.
 */
import { apiConfigSchema } from '@schedmon/api/config';
import { cronConfigSchema } from '@schedmon/cron/config';
import { launcherConfigSchema } from '@schedmon/local';
import type { ConfigVariable } from '@schedmon/runtime';
import { describeConfig } from '@schedmon/runtime';
import { workerConfigSchema } from '@schedmon/worker/config';
import type { TObject } from '@sinclair/typebox';

const SOURCES: [string, TObject][] = [
  ['api', apiConfigSchema],
  ['worker', workerConfigSchema],
  ['cron', cronConfigSchema],
  ['pnpm start', launcherConfigSchema],
];

type Row = ConfigVariable & { usedBy: string[]; defaults: Map<string, string | undefined> };

/** Every variable once, with the programs that read it, in first-seen order. */
export function collectVariables(): Row[] {
  const rows = new Map<string, Row>();
  for (const [program, schema] of SOURCES) {
    for (const variable of describeConfig(schema)) {
      const row = rows.get(variable.variable);
      if (row) {
        row.usedBy.push(program);
        row.defaults.set(program, variable.default);
      } else {
        const defaults = new Map([[program, variable.default]]);
        rows.set(variable.variable, { ...variable, usedBy: [program], defaults });
      }
    }
  }
  return [...rows.values()];
}

/** The text of `.env.example`: one commented line and one assignment per variable. */
export function renderEnvExample(): string {
  const lines = [
    '# schedmon configuration. Generated from the config schemas: `pnpm generate`.',
    '# Copy to .env or export in your shell. Unset optional values keep their defaults;',
    '# `pnpm start` fills in the local engines, queue URLs and a development API key.',
    '',
  ];
  for (const row of collectVariables()) {
    // A variable whose default differs between programs (METRICS_PORT) has no one value.
    const perProgram = new Set(row.defaults.values()).size > 1;
    const defaults = perProgram
      ? `default ${[...row.defaults].map(([program, value]) => `${value} for ${program}`).join(', ')}`
      : undefined;
    const facts = [
      row.required ? 'required' : row.default === undefined ? 'optional' : defaults,
      row.secret ? 'secret' : undefined,
      `used by ${row.usedBy.join(', ')}`,
    ].filter(Boolean);
    lines.push(`# ${row.description ?? row.expected} (${facts.join('; ')})`);
    const value = row.secret ? '' : (row.default ?? '');
    const assigned = row.required || (row.default !== undefined && !perProgram);
    lines.push(assigned ? `${row.variable}=${value}` : `# ${row.variable}=`);
  }
  return `${lines.join('\n')}\n`;
}
