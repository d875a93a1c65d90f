#include "autotuner/sim/model_profile.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include "autotuner/core/strings.h"

namespace autotuner::sim {
namespace {

struct CatalogEntry {
  ModelProfile profile;
  std::vector<std::string_view> keys;  // normalized name prefixes that select it
  bool block_fp8 = false;              // the publisher's -FP8 release uses 128×128 block scales
};

ModelProfile Shape(std::string name, int layers, int hidden, int intermediate, int heads, int kv_heads,
                   int head_dim, int vocab, int64_t context, bool tied, int experts = 0, int top_k = 0) {
  ModelProfile p;
  p.name = std::move(name);
  p.num_layers = layers;
  p.hidden_size = hidden;
  p.intermediate_size = intermediate;
  p.num_heads = heads;
  p.num_kv_heads = kv_heads;
  p.head_dim = head_dim;
  p.vocab_size = vocab;
  p.max_context = context;
  p.tie_word_embeddings = tied;
  p.num_experts = experts;
  p.experts_per_token = top_k;
  return p;
}

const std::vector<CatalogEntry>& Catalog() {
  // Values from each model's public config.json on the Hugging Face Hub.
  static const std::vector<CatalogEntry> catalog = {
      {Shape("Llama-3.2-1B", 16, 2048, 8192, 32, 8, 64, 128256, 131072, true),
       {"llama-3.2-1b", "llama3.2-1b"}},
      {Shape("Llama-3.2-3B", 28, 3072, 8192, 24, 8, 128, 128256, 131072, true),
       {"llama-3.2-3b", "llama3.2-3b"}},
      {Shape("Llama-3.1-8B", 32, 4096, 14336, 32, 8, 128, 128256, 131072, false),
       {"llama-3.1-8b", "llama3.1-8b", "llama-3-8b", "llama3-8b"}},
      {Shape("Llama-3.1-70B", 80, 8192, 28672, 64, 8, 128, 128256, 131072, false),
       {"llama-3.1-70b", "llama3.1-70b", "llama-3.3-70b", "llama3.3-70b", "llama-3-70b", "llama3-70b"}},
      {Shape("Qwen2.5-0.5B", 24, 896, 4864, 14, 2, 64, 151936, 32768, true), {"qwen2.5-0.5b"}},
      {Shape("Qwen2.5-7B", 28, 3584, 18944, 28, 4, 128, 152064, 32768, false), {"qwen2.5-7b"}},
      {Shape("Qwen2.5-14B", 48, 5120, 13824, 40, 8, 128, 152064, 32768, false), {"qwen2.5-14b"}},
      {Shape("Qwen3-14B", 40, 5120, 17408, 40, 8, 128, 151936, 40960, false), {"qwen3-14b"}, true},
      {Shape("Mistral-7B", 32, 4096, 14336, 32, 8, 128, 32768, 32768, false), {"mistral-7b"}},
      {Shape("Mixtral-8x7B", 32, 4096, 14336, 32, 8, 128, 32000, 32768, false, 8, 2), {"mixtral-8x7b"}},
  };
  return catalog;
}

// "meta-llama/Meta-Llama-3.1-8B-Instruct" → "llama-3.1-8b-instruct".
std::string NormalizeModelName(std::string_view id) {
  std::string_view base = id;
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  if (const size_t slash = base.find_last_of('/'); slash != std::string_view::npos) {
    base.remove_prefix(slash + 1);
  }
  std::string out = AsciiLower(base);
  std::replace(out.begin(), out.end(), '_', '-');
  std::replace(out.begin(), out.end(), ' ', '-');
  if (out.starts_with("meta-")) out.erase(0, 5);
  return out;
}

// Integer field of a config object; absent → fallback; present but not a positive integer → error.
Result<int64_t> IntField(const Json& config, std::string_view key, std::string_view name,
                         std::optional<int64_t> fallback) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) {
    if (fallback) return *fallback;
    return MakeError(ErrorCode::kValidation,
                     std::string(name) + "/config.json: missing '" + std::string(key) + "'",
                     Json{{"field", key}});
  }
  if (!it->is_number_integer() || it->get<int64_t>() <= 0) {
    return MakeError(ErrorCode::kValidation,
                     std::string(name) + "/config.json: '" + std::string(key) +
                         "' must be a positive integer, got " + Describe(*it),
                     Json{{"field", key}});
  }
  return it->get<int64_t>();
}

// A string member, or "" when absent or not a string (configs carry nulls where a string is usual).
std::string StringField(const Json& object, std::string_view key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kIo, "cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

double ModelProfile::AttentionParamsPerLayer() const {
  const double q = static_cast<double>(num_heads) * head_dim;
  const double kv = static_cast<double>(num_kv_heads) * head_dim;
  return hidden_size * (q + 2 * kv) + q * hidden_size;
}

double ModelProfile::MlpParams() const { return 3.0 * hidden_size * intermediate_size; }

double ModelProfile::LayerParams() const {
  const double mlp =
      IsMoe() ? num_experts * MlpParams() + static_cast<double>(hidden_size) * num_experts : MlpParams();
  return AttentionParamsPerLayer() + mlp + 2.0 * hidden_size;
}

double ModelProfile::ActiveLayerParams() const {
  const double mlp = IsMoe()
                         ? experts_per_token * MlpParams() + static_cast<double>(hidden_size) * num_experts
                         : MlpParams();
  return AttentionParamsPerLayer() + mlp + 2.0 * hidden_size;
}

double ModelProfile::LmHeadParams() const { return static_cast<double>(vocab_size) * hidden_size; }

double ModelProfile::EmbeddingParams() const { return LmHeadParams() * (tie_word_embeddings ? 1 : 2); }

double ModelProfile::TotalParams() const {
  return num_layers * LayerParams() + EmbeddingParams() + hidden_size;
}

double ModelProfile::ActiveParams() const {
  return num_layers * ActiveLayerParams() + EmbeddingParams() + hidden_size;
}

double ModelProfile::LayerWeightBytes(double linear_bits) const {
  return num_layers * LayerParams() * linear_bits / 8.0;
}

double ModelProfile::CheckpointBytes(double dense_bytes) const {
  const double linear_bits = quantization.IsQuantized() ? quantization.weight_bits : dense_bytes * 8;
  return LayerWeightBytes(linear_bits) + (EmbeddingParams() + hidden_size) * dense_bytes;
}

double ModelProfile::KvBytesPerToken(double value_bytes) const {
  return 2.0 * num_layers * num_kv_heads * head_dim * value_bytes;
}

std::span<const ModelProfile> CatalogModels() {
  static const std::vector<ModelProfile> models = [] {
    std::vector<ModelProfile> out;
    for (const CatalogEntry& entry : Catalog()) out.push_back(entry.profile);
    return out;
  }();
  return models;
}

Result<ModelProfile> ModelProfileFromConfig(const Json& config, std::string_view name) {
  if (!config.is_object()) {
    return MakeError(ErrorCode::kValidation, std::string(name) + "/config.json: not a JSON object");
  }
  const Json& j = !config.contains("num_hidden_layers") && config.contains("text_config") &&
                          config["text_config"].is_object()
                      ? config["text_config"]
                      : config;
  // The first missing or malformed field is reported; later lookups only run while none failed.
  std::optional<Error> error;
  auto field = [&](std::string_view key, std::optional<int64_t> fallback) -> int64_t {
    if (error) return 1;
    auto value = IntField(j, key, name, fallback);
    if (!value) {
      error = std::move(value).error();
      return 1;
    }
    return *value;
  };
  const int64_t layers = field("num_hidden_layers", std::nullopt);
  const int64_t hidden = field("hidden_size", std::nullopt);
  const int64_t heads = field("num_attention_heads", std::nullopt);
  const int64_t vocab = field("vocab_size", std::nullopt);
  const int64_t kv_heads = field("num_key_value_heads", heads);
  const int64_t head_dim = field("head_dim", hidden / heads);
  const int64_t dense_mlp = field("intermediate_size", 4 * hidden);
  const int64_t expert_mlp = field("moe_intermediate_size", dense_mlp);
  // Mixtral names its expert count num_local_experts, Qwen-MoE num_experts, DeepSeek n_routed_experts.
  const int64_t experts = field("num_local_experts", field("num_experts", field("n_routed_experts", 0)));
  const int64_t top_k = field("num_experts_per_tok", 2);
  const int64_t context = field("max_position_embeddings", 4096);
  if (error) return *error;
  ModelProfile p;
  p.name = std::string(name);
  p.num_layers = static_cast<int>(layers);
  p.hidden_size = static_cast<int>(hidden);
  p.num_heads = static_cast<int>(heads);
  p.num_kv_heads = static_cast<int>(kv_heads);
  p.head_dim = static_cast<int>(head_dim);
  p.vocab_size = static_cast<int>(vocab);
  p.num_experts = static_cast<int>(experts);
  p.experts_per_token = p.num_experts > 0 ? static_cast<int>(top_k) : 0;
  p.intermediate_size = static_cast<int>(p.num_experts > 0 ? expert_mlp : dense_mlp);
  p.max_context = context;
  // Hugging Face's PretrainedConfig ties embeddings unless the config says otherwise.
  const Json& tie = j.contains("tie_word_embeddings") ? j["tie_word_embeddings"]
                                                      : config.value("tie_word_embeddings", Json());
  p.tie_word_embeddings = tie.is_boolean() ? tie.get<bool>() : true;
  const std::string dtype = AsciiLower(StringField(j, "torch_dtype").empty() ? StringField(j, "dtype")
                                                                             : StringField(j, "torch_dtype"));
  p.dtype_bytes = dtype == "float32" ? 4 : 2;
  if (config.contains("quantization_config")) {
    const Json& q = config["quantization_config"];
    p.quantization = QuantizationFromConfig(q);
    p.fp8_block_scaled = p.quantization.IsFp8() && q.is_object() && q.contains("weight_block_size");
  }
  return p;
}

Result<ModelProfile> FindModelProfile(std::string_view id) {
  // Dots and dashes alike: the original tool's model directories are named "llama-3-2-1b-instruct".
  const auto dashes = [](std::string text) {
    std::replace(text.begin(), text.end(), '.', '-');
    return text;
  };
  const std::string wanted = dashes(NormalizeModelName(id));
  for (const CatalogEntry& entry : Catalog()) {
    for (std::string_view written : entry.keys) {
      const std::string key = dashes(std::string(written));
      const bool match =
          wanted.starts_with(key) && (wanted.size() == key.size() || wanted[key.size()] == '-');
      if (!match) continue;
      ModelProfile profile = entry.profile;
      profile.quantization = QuantizationFromName(id);
      profile.fp8_block_scaled = entry.block_fp8 && profile.quantization.IsFp8();
      return profile;
    }
  }
  std::vector<std::string_view> names;
  for (const CatalogEntry& entry : Catalog()) names.push_back(entry.profile.name);
  return MakeError(ErrorCode::kNotFound,
                   "unknown model '" + std::string(id) +
                       "': not a directory with a config.json and not a simulated model (" +
                       JoinNames(names) + ")" + DidYouMean(NormalizeModelName(id), names),
                   Json{{"model", id}});
}

Result<ModelProfile> LoadModelProfile(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return MakeError(ErrorCode::kNotFound, "model directory " + dir.string() + " does not exist");
  }
  const std::string name =
      dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
  const std::optional<std::filesystem::path> gguf = task::FirstGgufFile(dir);
  const std::filesystem::path config_path = dir / "config.json";
  if (std::filesystem::exists(config_path, ec)) {
    auto text = ReadFile(config_path);
    if (!text) return std::move(text).error();
    auto json = ParseJson(*text, config_path.string());
    if (!json) return std::move(json).error();
    auto profile = ModelProfileFromConfig(*json, name);
    if (!profile) return profile;
    if (!profile->quantization.IsQuantized() && gguf) profile->quantization = QuantizationFromGguf(*gguf);
    if (!profile->quantization.IsQuantized()) profile->quantization = QuantizationFromName(name);
    return profile;
  }
  if (!gguf) {
    return MakeError(ErrorCode::kNotFound,
                     "model directory " + dir.string() + " has no config.json or *.gguf file");
  }
  auto profile = FindModelProfile(name);
  if (!profile) profile = FindModelProfile(gguf->stem().string());
  if (!profile) return profile;
  profile->name = name;
  profile->quantization = QuantizationFromGguf(*gguf);
  return profile;
}

Result<ModelProfile> ResolveModel(std::string_view id_or_path) {
  std::error_code ec;
  const std::filesystem::path path(id_or_path);
  if (std::filesystem::is_directory(path, ec)) return LoadModelProfile(path);
  return FindModelProfile(id_or_path);
}

}  // namespace autotuner::sim
