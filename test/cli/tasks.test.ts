/**
 * The task commands (classify, ner, qa, embed, info), run as a user would: with --json each
 * line holds exactly what the library returns for that input; usage and model errors exit 2 / 1.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../../lib/index';
import { ROOT, fixture } from '../helpers';

const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
function cli(args: string[], input = '') {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const jsonLines = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l) as unknown);
const plain = (v: unknown) => JSON.parse(JSON.stringify(v, (_k, x) => (x instanceof Float32Array ? Array.from(x) : x)));

const dirs = {
  mlm: '',
  cls: '',
  tok: '',
  qa: '',
};
const models: Partial<Record<keyof typeof dirs, Model>> = {};
const texts = ['Ada Lovelace lived in London.', 'I love this movie!'];

beforeAll(async () => {
  dirs.mlm = fixture('tiny-mlm-s1', ['--seed', '1']);
  dirs.cls = fixture('tiny-cls-s2', ['--arch', 'sequence-classification', '--seed', '2']);
  dirs.tok = fixture('tiny-tok-s3', ['--arch', 'token-classification', '--seed', '3']);
  dirs.qa = fixture('tiny-qa-s4', ['--arch', 'question-answering', '--seed', '4', '--no-prefix']);
  for (const k of Object.keys(dirs) as (keyof typeof dirs)[]) models[k] = await loadModel(dirs[k]);
});
afterAll(async () => {
  for (const m of Object.values(models)) await m?.dispose();
});

describe('task commands', () => {
  it('classify --json equals Model.classify, with --top-k and --all', async () => {
    expect(jsonLines(cli(['classify', '--model', dirs.cls, '--json', ...texts]).stdout)).toEqual(plain(await models.cls!.classify(texts)));
    expect(jsonLines(cli(['classify', '--model', dirs.cls, '--json', '--top-k', '2', ...texts]).stdout)).toEqual(
      plain(await models.cls!.classify(texts, { topK: 2 })),
    );
    expect(jsonLines(cli(['classify', '--model', dirs.cls, '--json', '--all', '--function', 'sigmoid', ...texts]).stdout)).toEqual(
      plain(await models.cls!.classify(texts, { topK: null, functionToApply: 'sigmoid' })),
    );
    const human = cli(['classify', '--model', dirs.cls, '--top-k', '2', texts[0]!]);
    expect(human.code).toBe(0);
    expect(human.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('ner --json equals Model.tokenClassify (simple by default, other strategies by flag)', async () => {
    expect(jsonLines(cli(['ner', '--model', dirs.tok, '--json', ...texts]).stdout)).toEqual(
      plain(await models.tok!.tokenClassify(texts, { aggregationStrategy: 'simple' })),
    );
    expect(jsonLines(cli(['ner', '--model', dirs.tok, '--json', '-a', 'none', '--ignore', '', ...texts]).stdout)).toEqual(
      plain(await models.tok!.tokenClassify(texts, { aggregationStrategy: 'none', ignoreLabels: [] })),
    );
    expect(cli(['ner', '--model', dirs.tok, '-a', 'bogus', 'x']).code).toBe(2);
  });

  it('qa answers each question (arguments or stdin lines) from --context', async () => {
    const context = 'Ada Lovelace was born in London in 1815 and wrote the first program.';
    const questions = ['Where was Ada born?', 'When was she born?'];
    const expected = plain(await models.qa!.answerQuestion(questions.map((question) => ({ question, context }))));
    expect(jsonLines(cli(['qa', '--model', dirs.qa, '--json', '--context', context, ...questions]).stdout)).toEqual(expected);
    expect(jsonLines(cli(['qa', '--model', dirs.qa, '--json', '--context', context], questions.join('\n') + '\n').stdout)).toEqual(expected);
    const noContext = cli(['qa', '--model', dirs.qa, 'Where?']);
    expect(noContext.code).toBe(2);
    expect(noContext.stderr).toMatch(/--context TEXT or --context-file PATH is required/);
  });

  it('embed --json prints the vectors as arrays, equal to Model.embed', async () => {
    const lines = jsonLines(cli(['embed', '--model', dirs.mlm, '--json', ...texts]).stdout) as number[][];
    const api = await models.mlm!.embed(texts);
    expect(lines).toHaveLength(2);
    lines.forEach((v, i) => expect(v).toEqual(Array.from(api[i]!)));
    const cls = jsonLines(cli(['embed', '--model', dirs.mlm, '--json', '--pooling', 'cls', '--no-normalize', texts[0]!]).stdout) as number[][];
    expect(cls[0]).toEqual(Array.from(await models.mlm!.embed(texts[0]!, { pooling: 'cls', normalize: false })));
  });

  it('embed --pooling none prints each token\'s vector, equal to Model.embedTokens (normalized unless --no-normalize)', async () => {
    const raw = jsonLines(cli(['embed', '--model', dirs.mlm, '--json', '--pooling', 'none', '--no-normalize', ...texts]).stdout) as number[][][];
    const api = await models.mlm!.embedTokens(texts);
    expect(raw).toHaveLength(2);
    raw.forEach((rows, i) => {
      expect([rows.length, rows[0]!.length]).toEqual(api[i]!.dims);
      expect(rows).toEqual(api[i]!.tolist());
    });
    const unit = jsonLines(cli(['embed', '--model', dirs.mlm, '--json', '--pooling', 'none', texts[1]!]).stdout) as number[][][];
    expect(unit[0]).toEqual((await models.mlm!.embedTokens(texts[1]!, { normalize: true })).tolist());
    const human = cli(['embed', '--model', dirs.mlm, '--pooling', 'none', texts[1]!]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`${api[1]!.dims[0]} tokens × ${models.mlm!.info.config.dim} values`);
  });

  it('info prints the head, labels and sizes; --json is model.info', () => {
    const human = cli(['info', '--model', dirs.cls]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^architecture +DistilBertForSequenceClassification$/m);
    expect(human.stdout).toMatch(new RegExp(`^labels +${models.cls!.info.config.id2label.join(', ')}$`, 'm'));
    const json = JSON.parse(cli(['info', '--model', dirs.cls, '--json']).stdout);
    expect(json).toEqual(plain({ ...models.cls!.info, state: 'ready' }));
  });

  it('a command the head cannot run is a typed error (exit 1); --json errors are JSON on stderr', () => {
    const r = cli(['classify', '--model', dirs.mlm, '--json', 'x']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr)).toMatchObject({ error: { code: 'DBN_UNSUPPORTED_MODEL' } });
    const usage = cli(['embed', '--model', dirs.mlm, '--json', '--pooling', 'max', 'x']);
    expect(usage.code).toBe(2);
  });

  it('--version prints the package version; help lists every command', () => {
    const pkg = require(path.join(ROOT, 'package.json')) as { version: string };
    expect(cli(['--version']).stdout.trim()).toBe(pkg.version);
    const help = cli(['help']).stdout;
    for (const c of ['fill-mask', 'classify', 'ner', 'qa', 'embed', 'tokenize', 'info']) expect(help).toContain(c);
    expect(cli(['help', 'qa']).stdout).toMatch(/--context <TEXT>/);
  });
});
