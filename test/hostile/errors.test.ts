/**
 * Errors of one kind, and messages that help (issue 10, items 11-13). One table: each case is
 * a call on the compiled package (dist/index.js) and what it must give, a `DistilBertError`
 * code and message, or a result. The cases of each item run in one child process of their
 * own (exit code and signal checked), each case under its own time limit there, so a crash, a
 * hang or an untyped `TypeError` shows as what it is.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, fixture, scratchCopy } from '../helpers';

interface Case {
  name: string;
  /** A JS expression (it may await) over the child's context: dbn, dir, m, tok, fm, qa, revoked, flip(). */
  run: string;
  /** The error code wanted, or 'ok' for a result (then `check`, an expression over `r`, must be true). */
  code: string;
  message?: RegExp;
  /** The message must not match this (the old wording). */
  not?: RegExp;
  check?: string;
}

interface Outcome { ok?: boolean; value?: unknown; check?: boolean; isDistilBertError?: boolean; ctor?: string; code?: string; message?: string; timedOut?: boolean }

const CASE_LIMIT_MS = 20_000;

let dir: string;
let qaDir: string;
let addedDir: string;

/** The child's context: a fill-mask model, its tokenizer and pipeline, a QA pipeline, hostile values. */
function prelude(): string {
  return `const dbn = require(${JSON.stringify(path.join(ROOT, 'dist', 'index.js'))});
const dir = ${JSON.stringify(dir)}, addedDir = ${JSON.stringify(addedDir)};
const m = await dbn.loadModel(dir);
const tok = m.tokenizer;
const fm = await dbn.pipeline('fill-mask', m);
const qa = await dbn.pipeline('question-answering', ${JSON.stringify(qaDir)});
const revoked = (() => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; })();
// An array whose index getter answers a string on the first read and a number after.
const flip = () => { let n = 0; return new Proxy(['a [MASK]'], { get(t, k, r) { if (k === '0') return ++n === 1 ? 'a [MASK]' : 5; return Reflect.get(t, k, r); } }); };`;
}

/** Runs the cases in one node child; each gets CASE_LIMIT_MS. */
async function runCases(cases: Case[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; signal: NodeJS.Signals | null; stderr: string; out: Record<string, Outcome> }> {
  const table = cases.map((c) => `[${JSON.stringify(c.name)}, async () => (${c.run}), ${JSON.stringify(c.check ?? 'true')}]`).join(',\n');
  const script = `(async () => {
${prelude()}
const out = {};
for (const [name, run, check] of [${table}]) {
  let timer;
  const limit = new Promise((resolve) => { timer = setTimeout(() => resolve({ timedOut: true }), ${CASE_LIMIT_MS}); });
  const attempt = (async () => {
    try {
      const r = await run();
      return { ok: true, check: Boolean(new Function('r', 'return (' + check + ');')(r)) };
    } catch (e) {
      return { isDistilBertError: e instanceof dbn.DistilBertError, ctor: e && e.constructor && e.constructor.name, code: e && e.code, message: String(e && e.message) };
    }
  })();
  out[name] = await Promise.race([attempt, limit]);
  clearTimeout(timer);
}
await qa.dispose();
await m.dispose();
process.stdout.write(JSON.stringify(out));
})().then(() => process.exit(0), (e) => { process.stderr.write(String(e && e.stack)); process.exit(3); });`;
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000 + cases.length * 2_000);
    p.on('close', (status, signal) => {
      clearTimeout(timer);
      let out: Record<string, Outcome> = {};
      try { out = JSON.parse(stdout || '{}'); } catch { /* reported below by the status check */ }
      resolve({ status, signal, stderr: stderr.slice(-2000), out });
    });
  });
}

/** One describe per item: its cases in one child, then one `it` per case. */
function item(title: string, cases: Case[]): void {
  describe(title, () => {
    let result: Awaited<ReturnType<typeof runCases>>;
    beforeAll(async () => {
      result = await runCases(cases);
    }, 60_000 + cases.length * 2_000 + 10_000);
    it('the child exits 0 without a signal', () => {
      expect(result.signal, result.stderr).toBeNull();
      expect(result.status, result.stderr).toBe(0);
    });
    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const o = result.out[c.name];
      expect(o, result.stderr).toBeDefined();
      expect(o!.timedOut, 'over the time limit').toBeUndefined();
      if (c.code === 'ok') {
        expect(o!.ok, JSON.stringify(o)).toBe(true);
        expect(o!.check, `${c.check} on the result`).toBe(true);
        return;
      }
      expect(o!.ok, 'expected an error').toBeUndefined();
      expect(o!.isDistilBertError, `${o!.ctor}: ${o!.message}`).toBe(true);
      expect(o!.code, o!.message).toBe(c.code);
      expect(o!.message!.length).toBeLessThan(600);
      if (c.message) expect(o!.message).toMatch(c.message);
      if (c.not) expect(o!.message).not.toMatch(c.not);
    });
  });
}

beforeAll(() => {
  dir = fixture('tiny-mlm-s1', ['--seed', '1']);
  qaDir = fixture('tiny-qa-s5', ['--seed', '5', '--arch', 'question-answering']);
  // An added token id of 2^31 - 1: the tokenizer once sized its table by it (vector::_M_default_append).
  addedDir = scratchCopy(dir, 'added-token-int32max');
  const file = path.join(addedDir, 'tokenizer.json');
  const tok = JSON.parse(fs.readFileSync(file, 'utf8')) as { added_tokens: { id: number; content: string }[] };
  tok.added_tokens.push({ ...tok.added_tokens[0]!, id: 2 ** 31 - 1, content: '[HUGE]' });
  fs.writeFileSync(file, JSON.stringify(tok));
}, 120_000);

const INVALID = 'DBN_INVALID_ARGUMENT';

item('item 11: every error is a DistilBertError', [
  { name: 'tok.encode(a, null, null)', run: "tok.encode('a', null, null)", code: INVALID, message: /^Expected an options object for options but received null$/ },
  { name: 'tok.decode([101], null)', run: 'tok.decode([101], null)', code: INVALID, message: /options object for options but received null/ },
  { name: 'tok.decode([5n])', run: 'tok.decode([5n])', code: INVALID, message: /for ids\[0\] but received the BigInt 5n/ },
  { name: 'tok.decode(revoked)', run: 'tok.decode(revoked)', code: INVALID, message: /^Could not read ids: TypeError: .*revoked/ },
  { name: 'tok.encode(revoked)', run: 'tok.encode(revoked)', code: INVALID, message: /for text but received an unreadable value/ },
  { name: 'tok.encode(a, null, revoked options)', run: "tok.encode('a', null, revoked)", code: INVALID, message: /^Could not read options/ },
  { name: 'tok.encodeBatch(revoked)', run: 'tok.encodeBatch(revoked)', code: INVALID, message: /^Could not read inputs/ },
  { name: 'tok.encodeBatch([revoked])', run: 'tok.encodeBatch([revoked])', code: INVALID, message: /^Could not read inputs\[0\]/ },
  { name: 'm.fillMask(revoked)', run: 'm.fillMask(revoked)', code: INVALID, message: /^Could not read input: TypeError/ },
  { name: 'm.fillMask(text, revoked options)', run: "m.fillMask('a [MASK]', revoked)", code: INVALID, message: /^Could not read options/ },
  { name: 'm.fillMask(text, { targets: revoked })', run: "m.fillMask('a [MASK]', { targets: revoked })", code: INVALID, message: /options\.targets/ },
  { name: 'm.answerQuestion(revoked)', run: 'm.answerQuestion(revoked)', code: INVALID, message: /^Could not read input/ },
  { name: 'an options getter that throws', run: "m.fillMask('a [MASK]', { get topK() { throw new Error('mine'); } })", code: INVALID, message: /^Could not read options: Error: mine/ },
  { name: 'loadModel(dir, revoked)', run: 'dbn.loadModel(dir, revoked)', code: INVALID, message: /^Could not read options/ },
  { name: "pipeline('fill-mask', dir, revoked)", run: "dbn.pipeline('fill-mask', dir, revoked)", code: INVALID, message: /^Could not read options/ },
  { name: "pipeline('fill-mask', revoked)", run: "dbn.pipeline('fill-mask', revoked)", code: INVALID, message: /for model but received an unreadable value/ },
  { name: 'fm(revoked)', run: 'fm(revoked)', code: INVALID, message: /^Could not read input/ },
  { name: "pipeline('fill-mask', Object.create(Model.prototype))", run: "dbn.pipeline('fill-mask', Object.create(dbn.Model.prototype))", code: INVALID, message: /Expected a Model from loadModel\(\) or a model directory path for model/ },
  { name: 'Object.create(Model.prototype).fillMask()', run: "Object.create(dbn.Model.prototype).fillMask('a [MASK]')", code: INVALID, message: /not a model made by loadModel\(\)/ },
  { name: 'a flipping index getter: fillMask reads it once', run: 'm.fillMask(flip())', code: 'ok', check: 'r.length === 1 && r[0][0].length === 5' },
  { name: 'a flipping index getter: encodeBatch reads it once', run: 'tok.encodeBatch(flip())', code: 'ok', check: "r.length === 1 && r[0].tokens.includes('[MASK]')" },
  { name: 'a flipping index getter: embed reads it once', run: 'm.embed(flip())', code: 'ok', check: 'r.length === 1 && r[0] instanceof Float32Array && r[0].length > 0' },
  { name: 'loadModel on a missing directory', run: "dbn.loadModel(dir + '/missing')", code: 'DBN_MODEL_LOAD_FAILED' },
  { name: 'loadTokenizer on a missing path', run: "dbn.loadTokenizer(dir + '/missing')", code: 'DBN_MODEL_LOAD_FAILED' },
  { name: 'a native tokenizer rejection', run: "tok.encode('a b c d e f g h', null, { truncation: true, maxLength: 4, stride: 10 })", code: INVALID },
  { name: 'tok.idToToken(2^40)', run: 'tok.idToToken(2 ** 40)', code: INVALID, message: /^Expected an integer from 0 to 30521 for id but received 1099511627776$/ },
]);

item('item 12: one topK bound; unknown option names', [
  { name: 'fillMask topK 2^31', run: "m.fillMask('a [MASK]', { topK: 2 ** 31 })", code: INVALID, message: /^Expected an integer from 1 to 2147483647 \(2\^31 - 1.*for options\.topK but received 2147483648$/ },
  { name: 'fillMask topK 2^53 - 1', run: "m.fillMask('a [MASK]', { topK: 2 ** 53 - 1 })", code: INVALID, message: /from 1 to 2147483647/, not: /Expected an integer for topK/ },
  { name: 'classify topK 2^40 (checked before the head)', run: "m.classify('a', { topK: 2 ** 40 })", code: INVALID, message: /from 1 to 2147483647 .* or null for options\.topK/ },
  { name: 'answerQuestion topK 2^40', run: "m.answerQuestion('q', 'c', { topK: 2 ** 40 })", code: INVALID, message: /from 1 to 2147483647 .*for options\.topK/ },
  { name: 'fill-mask pipeline top_k 2^40 says top_k', run: "fm('a [MASK]', { top_k: 2 ** 40 })", code: INVALID, message: /for options\.top_k but received 1099511627776/ },
  { name: 'fillMask topK 2^31 - 1 runs (capped at the vocabulary)', run: "m.fillMask('a [MASK]', { topK: 2 ** 31 - 1 })", code: 'ok', check: 'r[0].length === 30522' },
  { name: 'fillMask { topk }', run: "m.fillMask('a [MASK]', { topk: 1 })", code: INVALID, message: /^Unknown option "topk" in options of fillMask; did you mean topK\? \(fillMask takes topK, targets, signal\)$/ },
  { name: 'classify { functionToAply }', run: "m.classify('a', { functionToAply: 'none' })", code: INVALID, message: /did you mean functionToApply\?/ },
  { name: 'tokenClassify { aggregation_strategy } (snake_case is the pipeline\'s)', run: "m.tokenClassify('a', { aggregation_strategy: 'simple' })", code: INVALID, message: /did you mean aggregationStrategy\?/ },
  { name: 'answerQuestion { doc_stride }', run: "m.answerQuestion('q', 'c', { doc_stride: 1 })", code: INVALID, message: /did you mean docStride\?/ },
  { name: 'embed { pool }', run: "m.embed('a', { pool: 'cls' })", code: INVALID, message: /did you mean pooling\?/ },
  { name: 'encode { max_length }', run: "tok.encode('a', null, { max_length: 4 })", code: INVALID, message: /in options of encode; did you mean maxLength\?/ },
  { name: 'encodeBatch { thread }', run: "tok.encodeBatch(['a'], { thread: 2 })", code: INVALID, message: /did you mean threads\?/ },
  { name: 'decode { skip_special_tokens }', run: 'tok.decode([101], { skip_special_tokens: false })', code: INVALID, message: /did you mean skipSpecialTokens\?/ },
  { name: 'loadModel { thread }', run: 'dbn.loadModel(dir, { thread: 1 })', code: INVALID, message: /in options of loadModel; did you mean threads\?/ },
  { name: "pipeline() load { local_file_only }", run: "dbn.pipeline('fill-mask', dir, { local_file_only: true })", code: INVALID, message: /of pipeline\(\); did you mean local_files_only\?/ },
  { name: 'fill-mask pipeline { topk }', run: "fm('a [MASK]', { topk: 1 })", code: INVALID, message: /of the fill-mask pipeline; did you mean topK\?.*top_k/ },
  { name: 'a name close to nothing gets no guess', run: "fm('a [MASK]', { temperature: 1 })", code: INVALID, message: /^Unknown option "temperature" in options of the fill-mask pipeline \(/ },
  { name: 'top_k is still the pipeline\'s', run: "fm('a [MASK]', { top_k: 2 })", code: 'ok', check: 'r.length === 2' },
]);

item('item 13: messages in the caller\'s words', [
  { name: 'a sparse input names input, not texts', run: "m.fillMask([, 'a [MASK]'])", code: INVALID, message: /^Expected a value for input\[0\] but received a hole \(input is a sparse array\)/, not: /texts/ },
  { name: 'a sparse encodeBatch names inputs[1]', run: "tok.encodeBatch(['a', , 'b'])", code: INVALID, message: /for inputs\[1\] but received a hole/ },
  { name: 'a sparse targets list', run: "m.fillMask('a [MASK]', { targets: [, 'x'] })", code: INVALID, message: /options\.targets\[0\] but received a hole/ },
  { name: '/dev/null is not a directory', run: "dbn.loadModel('/dev/null')", code: 'DBN_MODEL_LOAD_FAILED', message: /"\/dev\/null" is a character device, not a checkpoint directory/, not: /does not exist/ },
  { name: 'config.json where its folder was meant', run: "dbn.loadModel(dir + '/config.json')", code: 'DBN_MODEL_LOAD_FAILED', message: /is the checkpoint's config\.json, not its directory; pass the directory that holds it/, not: /TorchScript|zip/ },
  { name: 'an added token id of 2^31 - 1 (loadTokenizer)', run: 'dbn.loadTokenizer(addedDir)', code: 'DBN_UNSUPPORTED_MODEL', message: /added token id 2147483647 is outside/, not: /vector|_M_/ },
  { name: 'an added token id of 2^31 - 1 (loadModel)', run: 'dbn.loadModel(addedDir)', code: 'DBN_UNSUPPORTED_MODEL', message: /added token id 2147483647/ },
  { name: 'top_k and topK together name both', run: "fm('a [MASK]', { top_k: 1, topK: 2 })", code: INVALID, message: /^Expected only one of options\.top_k and options\.topK /, not: /topK and topK/ },
  { name: 'topK and top_k together, the other order', run: "fm('a [MASK]', { topK: 2, top_k: 1 })", code: INVALID, message: /only one of options\.topK and options\.top_k/ },
  { name: 'local_files_only and localFilesOnly together', run: "dbn.pipeline('fill-mask', dir, { local_files_only: true, localFilesOnly: true })", code: INVALID, message: /only one of options\.local_files_only and options\.localFilesOnly/ },
  { name: 'doc_stride over the window says doc_stride', run: "qa('q?', 'some context', { doc_stride: 10000 })", code: INVALID, message: /for options\.doc_stride but received 10000/ },
  {
    name: 'doc_stride against the room a window has says doc_stride and max_seq_len',
    run: "qa('who?', 'word '.repeat(200), { max_seq_len: 20, doc_stride: 15 })",
    code: INVALID,
    message: /doc_stride 15 must be smaller than the \d+ context tokens .*lower doc_stride or raise max_seq_len/,
  },
  { name: 'max_seq_len over the model limit says max_seq_len', run: "qa('q?', 'c', { max_seq_len: 100000 })", code: INVALID, message: /for options\.max_seq_len but received 100000/ },
]);

describe('item 13: out of memory at load is said in load terms', () => {
  it('a DBN_OUT_OF_MEMORY from loading does not say "use smaller batches"', async () => {
    // A stand-in addon whose loadModel fails the way libtorch's allocator does at load.
    const fake = path.join(ROOT, 'fixtures', 'scratch', 'oom-addon.js');
    fs.mkdirSync(path.dirname(fake), { recursive: true });
    fs.writeFileSync(fake, `module.exports = {
  errorCodes: [], libtorchVersion: 'fake', externalMemory: () => 0, abandonWork() {},
  runtimeInfo: () => ({ libtorchVersion: 'fake', cudaCompiled: false, cudaVersion: '', cudaDeviceCount: 0, onednnLinear: false, mkldnn: false, blas: '', torchConfig: '' }),
  loadModel: async () => { throw Object.assign(new Error('out of memory; use smaller batches or shorter inputs'), { code: 'DBN_OUT_OF_MEMORY' }); },
  loadTokenizer: async () => { throw new Error('unused'); },
};`);
    const script = `const dbn = require(${JSON.stringify(path.join(ROOT, 'dist', 'index.js'))});
dbn.loadModel(${JSON.stringify(dir)}, { device: 'cpu' }).then(() => process.exit(4), (e) => {
  process.stdout.write(JSON.stringify({ is: e instanceof dbn.DistilBertError, code: e.code, message: e.message })); process.exit(0); });`;
    const r = await new Promise<{ status: number | null; signal: string | null; out: string }>((resolve) => {
      const p = spawn(process.execPath, ['-e', script], { env: { ...process.env, DBN_ADDON_PATH: fake }, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.on('data', (d) => { out += d; });
      const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
      p.on('close', (status, signal) => { clearTimeout(timer); resolve({ status, signal, out }); });
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    const e = JSON.parse(r.out) as { is: boolean; code: string; message: string };
    expect(e.is).toBe(true);
    expect(e.code).toBe('DBN_OUT_OF_MEMORY');
    expect(e.message).toMatch(/^out of memory while loading ".*tiny-mlm-s1"; free memory \(dispose models no longer used\) or load a smaller checkpoint or dtype$/);
    expect(e.message).not.toMatch(/batches/);
  }, 40_000);
});

describe('item 13: the CLI speaks in flags', () => {
  const cli = (args: string[]): Promise<{ status: number | null; signal: string | null; stderr: string }> =>
    new Promise((resolve) => {
      const p = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli', 'main.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      p.stderr.on('data', (d) => { stderr += d; });
      const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
      p.on('close', (status, signal) => { clearTimeout(timer); resolve({ status, signal, stderr }); });
    });
  it.each([
    [['--threads', '5000'], 2, /--threads must be an integer from 0 to 1024, got "5000"/],
    [['--top-k', '4294967296'], 2, /--top-k must be an integer from 1 to 2147483647, got "4294967296"/],
    [['--device', 'gpu'], 1, /^error \[DBN_INVALID_ARGUMENT\]: Expected .* for --device but received "gpu"/],
    [['--json', '--device', 'gpu'], 1, /"message":"Expected .* for --device but received \\"gpu\\""/],
  ] as const)('fill-mask %j', async (args, status, message) => {
    const r = await cli(['fill-mask', '-m', dir, ...args, 'a [MASK]']);
    expect(r.signal).toBeNull();
    expect(r.status, r.stderr).toBe(status);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/options\./);
  }, 70_000);
});
