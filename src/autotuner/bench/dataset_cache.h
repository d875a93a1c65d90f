#pragma once

// `benchmark.dataset_url` (SPEC §1, the original tool's form): a CSV or JSONL file of prompts, optionally
// gzipped, read from a local cache. Like models, datasets are never downloaded while a study runs (a GPU
// server often has no internet, and a study must not stall on a download): the file is put into the cache
// once, at the path this module names, and a missing one stops the run before the first deploy with the
// command that fetches it.
//
// Cache: $AUTOTUNER_DATASET_CACHE, else $XDG_CACHE_HOME/autotuner/datasets, else ~/.cache/autotuner/datasets;
// the URL's host and path below it (https://example.com/logs/a.csv.gz → <cache>/example.com/logs/a.csv.gz).

#include <filesystem>
#include <string>

#include "autotuner/core/result.h"

namespace autotuner::bench {

std::filesystem::path DatasetCacheDir();

// Where the URL's file lives in the cache; kInvalidArgument for a URL that is not http(s)://HOST/PATH.
Result<std::filesystem::path> DatasetCachePath(const std::string& url);

// The cached file, or kNotFound naming the path and the command that puts it there.
Result<std::filesystem::path> ResolveDatasetUrl(const std::string& url);

// A dataset file's text, gunzipped when its name ends in .gz; at most `max_bytes` (kResourceExhausted past
// it, so a hostile or mistaken file cannot take the machine's memory).
inline constexpr size_t kMaxDatasetBytes = size_t{1} << 30;
Result<std::string> ReadDatasetFile(const std::filesystem::path& path, size_t max_bytes = kMaxDatasetBytes);

}  // namespace autotuner::bench
