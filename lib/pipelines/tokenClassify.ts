/**
 * Token classification (NER) with the semantics and field names of Hugging Face's
 * TokenClassificationPipeline: per-token `entity`/`score`/`index`/`word`/`start`/`end`, or
 * `entity_group` spans with an aggregation strategy.
 */
import type { BatchKind } from '../model/batcher';
import { checkBoolean, checkChoice, checkStrings } from '../model/checks';
import type { Encoding } from '../model/Tokenizer';
import { argmax, encodeTexts, openCall, perToken, requireHead, softmax, type CallOptions, type PipelineContext } from './common';

export type AggregationStrategy = 'none' | 'simple' | 'first' | 'average' | 'max';

export interface TokenClassifyOptions extends CallOptions {
  /**
   * How tokens become entities, as in HF. `'none'` (default): one entity per token.
   * `'simple'`: adjacent tokens with the same tag (B-/I- aware) form one group.
   * `'first'` / `'average'` / `'max'`: first words are formed from their sub-tokens (the tag of
   * the first sub-token, of the averaged scores, or of the most confident sub-token), then grouped.
   */
  aggregationStrategy?: AggregationStrategy;
  /** Labels (or groups) left out of the result. Default `['O']`. */
  ignoreLabels?: string[];
  /** Cut inputs longer than the model's position limit instead of rejecting `DBN_INPUT_TOO_LONG`. Default `false`. */
  truncation?: boolean;
}

/** One token (aggregation `'none'`), as HF returns it. */
export interface TokenEntity {
  entity: string;
  score: number;
  /** Token index in the encoding (`[CLS]` is 0). */
  index: number;
  /** The vocabulary token (`##` sub-tokens included); for `[UNK]`, the text it covers. */
  word: string;
  /** UTF-16 offsets into the input: `text.slice(start, end)`. */
  start: number;
  end: number;
}

/** A group of tokens or words (any other aggregation), as HF returns it. */
export interface EntityGroup {
  entity_group: string;
  score: number;
  word: string;
  start: number;
  end: number;
}

/** The per-token view HF calls a pre-entity. */
interface PreEntity {
  word: string;
  scores: Float64Array;
  start: number;
  end: number;
  index: number;
  isSubword: boolean;
}

interface WordEntity {
  entity: string;
  score: number;
  word: string;
  start: number;
  end: number;
}

const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/**
 * The tokenizers library's WordPiece decoder cleanup (`cleanup: true`, BERT's), applied to one
 * token as it is joined: that decoder cleans token by token, not the joined string, so
 * `" do not"` or `" ' "` never match across tokens.
 */
function cleanupToken(t: string): string {
  return t
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(' do not', " don't")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/**
 * HF's `convert_tokens_to_string` for a fast BERT tokenizer, which the token-classification
 * pipeline uses for a group's `word`: the WordPiece decoder glues `##` sub-tokens to the token
 * before (a leading one keeps its `##`), spaces the others, and cleans up spaces before
 * punctuation and in contractions (`"u. s. team"`, `"##ge."`).
 */
export function joinTokens(tokens: string[]): string {
  return tokens
    .map((t, i) => cleanupToken(i === 0 ? t : t.startsWith('##') ? t.slice(2) : ` ${t}`))
    .join('');
}

/**
 * HF's gather_pre_entities for a WordPiece tokenizer: special tokens dropped; a token is a
 * sub-word when its vocabulary form differs in length from the text it covers (the `##`);
 * `[UNK]` shows the text it covers and starts a word. Lengths are compared in code points,
 * as Python does.
 */
export function gatherPreEntities(
  text: string,
  encoding: Encoding,
  logits: Float32Array,
  numLabels: number,
  unkId: number,
): PreEntity[] {
  const out: PreEntity[] = [];
  for (let i = 0; i < encoding.ids.length; i++) {
    if (encoding.specialTokensMask[i]) continue;
    const [start, end] = encoding.offsets[i]!;
    const ref = text.slice(start, end);
    let word = encoding.tokens[i]!;
    let isSubword = codePoints(word) !== codePoints(ref);
    if (encoding.ids[i] === unkId) {
      word = ref;
      isSubword = false;
    }
    out.push({ word, scores: softmax(logits, i * numLabels, numLabels), start, end, index: i, isSubword });
  }
  return out;
}

function aggregateWord(group: PreEntity[], strategy: 'first' | 'average' | 'max', id2label: readonly string[]): WordEntity {
  let scores: Float64Array;
  if (strategy === 'first') {
    scores = group[0]!.scores;
  } else if (strategy === 'max') {
    // The sub-token with the highest single score; the first on ties (Python's max).
    let best = group[0]!;
    for (const e of group) if (Math.max(...e.scores) > Math.max(...best.scores)) best = e;
    scores = best.scores;
  } else {
    scores = new Float64Array(group[0]!.scores.length);
    for (const e of group) e.scores.forEach((s, j) => (scores[j] = scores[j]! + s));
    scores = scores.map((s) => s / group.length);
  }
  const idx = argmax(scores);
  return {
    entity: id2label[idx] ?? `LABEL_${idx}`,
    score: scores[idx]!,
    word: joinTokens(group.map((e) => e.word)),
    start: group[0]!.start,
    end: group[group.length - 1]!.end,
  };
}

function tag(entity: string): [bi: 'B' | 'I', tag: string] {
  if (entity.startsWith('B-')) return ['B', entity.slice(2)];
  if (entity.startsWith('I-')) return ['I', entity.slice(2)];
  return ['I', entity]; // not B-/I- style: a continuation
}

function groupSubEntities(group: WordEntity[]): EntityGroup {
  const first = group[0]!.entity;
  const dash = first.indexOf('-');
  return {
    entity_group: dash < 0 ? first : first.slice(dash + 1),
    score: group.reduce((a, e) => a + e.score, 0) / group.length,
    word: joinTokens(group.map((e) => e.word)),
    start: group[0]!.start,
    end: group[group.length - 1]!.end,
  };
}

/** HF's group_entities: an entity joins the previous group when the tag matches and it is not a B-. */
export function groupEntities(entities: WordEntity[]): EntityGroup[] {
  const groups: EntityGroup[] = [];
  let current: WordEntity[] = [];
  for (const e of entities) {
    if (current.length > 0) {
      const [bi, t] = tag(e.entity);
      const [, lastTag] = tag(current[current.length - 1]!.entity);
      if (t !== lastTag || bi === 'B') {
        groups.push(groupSubEntities(current));
        current = [];
      }
    }
    current.push(e);
  }
  if (current.length > 0) groups.push(groupSubEntities(current));
  return groups;
}

/** HF postprocessing of one input: pre-entities, aggregation, then the ignore filter. */
export function aggregate(
  pre: PreEntity[],
  strategy: AggregationStrategy,
  id2label: readonly string[],
  ignoreLabels: readonly string[],
): TokenEntity[] | EntityGroup[] {
  if (strategy === 'none' || strategy === 'simple') {
    const tokens: TokenEntity[] = pre.map((p) => {
      const idx = argmax(p.scores);
      return {
        entity: id2label[idx] ?? `LABEL_${idx}`,
        score: p.scores[idx]!,
        index: p.index,
        word: p.word,
        start: p.start,
        end: p.end,
      };
    });
    if (strategy === 'none') return tokens.filter((t) => !ignoreLabels.includes(t.entity));
    return groupEntities(tokens).filter((g) => !ignoreLabels.includes(g.entity_group));
  }
  const words: WordEntity[] = [];
  let group: PreEntity[] = [];
  for (const p of pre) {
    if (group.length > 0 && !p.isSubword) {
      words.push(aggregateWord(group, strategy, id2label));
      group = [];
    }
    group.push(p);
  }
  if (group.length > 0) words.push(aggregateWord(group, strategy, id2label));
  return groupEntities(words).filter((g) => !ignoreLabels.includes(g.entity_group));
}

function tokenClassifyKind(ctx: PipelineContext, numLabels: number): BatchKind<Float32Array> {
  return {
    key: 'token-classify',
    run: async (ids, lengths) => perToken(await ctx.native.tokenClassify(ids, lengths), lengths, numLabels),
  };
}

export type TokenClassifyResult = TokenEntity[] | EntityGroup[];

export async function runTokenClassify(
  ctx: PipelineContext,
  input: string | string[],
  options: TokenClassifyOptions,
): Promise<TokenClassifyResult | TokenClassifyResult[]> {
  const { texts, single, signal, options: o } = openCall<TokenClassifyOptions>(input, options, 'token-classification');
  const strategy = checkChoice(
    o.values.aggregationStrategy,
    o.label('aggregationStrategy'),
    ['none', 'simple', 'first', 'average', 'max'] as const,
    'none',
  );
  const ignore = checkStrings(o.values.ignoreLabels, o.label('ignoreLabels'), ['O']);
  const truncate = checkBoolean(o.values.truncation, o.label('truncation'), false);
  requireHead(ctx, 'token-classification');
  const id2label = ctx.config.id2label;
  const encodings = encodeTexts(ctx, texts, truncate);
  const ids = encodings.map((e) => Int32Array.from(e.ids));
  const rows = await ctx.batcher.submit(tokenClassifyKind(ctx, id2label.length), ids, signal);
  const unkId = ctx.tokenizer.info.unkId;
  const out = rows.map((logits, i) =>
    aggregate(gatherPreEntities(texts[i]!, encodings[i]!, logits, id2label.length, unkId), strategy, id2label, ignore),
  );
  return single ? out[0]! : out;
}
